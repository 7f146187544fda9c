import type { Upload as TusUpload } from '@tus/utils';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthUser } from '../auth/auth-user.js';
import { extensionOf } from '../common/image-formats.js';
import { NEW_UPLOADER } from '../config/feature-flag.entity.js';
import type { FeatureFlagsService } from '../config/feature-flags.service.js';
import type { UploaderSettingsService } from '../config/uploader-settings.service.js';
import { displayName, storageName } from './file-name.js';
import { formatBytes } from './format-bytes.js';
import { tusError } from './tus-error.js';
import type { UploadStorage } from './upload-storage.js';
import type { NewUpload } from './upload.records.js';
import { ImportTargetType } from '../common/import-target-type.js';

const TARGET_TYPES: string[] = Object.values(ImportTargetType);
const TARGET_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A browser's MIME type is only displayed: control characters go, and it is capped at the column's length. */
const FILE_TYPE_CHARS = 255;

export interface CreationCheckDeps {
  flags: FeatureFlagsService;
  settings: UploaderSettingsService;
  storage: UploadStorage;
  /** The folder of a user's completed uploads. */
  ownerDir: (ownerId: string) => string;
}

/**
 * What a tus creation request must pass before anything is recorded: the uploader switched on,
 * a file name with an accepted extension, a well-formed import target, a free name under the
 * `error` collision policy, and room on the disk. Each refusal is a tus error whose message
 * says what to do.
 */
export class UploadCreationChecks {
  constructor(private readonly deps: CreationCheckDeps) {}

  /** The upload to record, or throws the tus error that refuses it. */
  async check(user: AuthUser, upload: TusUpload): Promise<NewUpload> {
    const { flags, settings: settingsService, storage, ownerDir } = this.deps;
    if (!flags.isEnabled(NEW_UPLOADER)) {
      throw tusError(
        403,
        'New uploads are switched off by an administrator. Use the in-place importer, or ask an administrator to switch the uploader back on.',
      );
    }
    const metadata = upload.metadata ?? {};
    const rawName = metadata.filename;
    if (!rawName) {
      throw tusError(
        400,
        'Upload-Metadata must include "filename" (base64 of the file\'s name), e.g. "filename Y2VsbHMudGlm".',
      );
    }
    const settings = settingsService.current;
    const fileName = displayName(rawName);
    const extension = extensionOf(fileName, settings.allowedExtensions);
    if (!settings.allowedExtensions.includes(extension)) {
      throw tusError(
        415,
        `${fileName} has ${extension ? `the extension .${extension}` : 'no extension'}, which is not accepted. Accepted: ${settings.allowedExtensions.map((e) => `.${e}`).join(' ')}.`,
      );
    }
    const target = this.parseTarget(metadata);
    const stored = storageName(fileName, extension);
    if (
      settings.collisionPolicy === 'error' &&
      settings.namingPolicy === 'keep' &&
      existsSync(join(ownerDir(user.id), stored))
    ) {
      throw tusError(
        409,
        `A file named ${stored} is already in your upload folder. Rename the file and upload it again.`,
      );
    }
    // Last, as it reads the file system: a creation that would eat into the reserve is refused
    // before anything is recorded.
    const noRoom = await storage.creationRefusal(upload.size);
    if (noRoom) throw noRoom;
    return {
      id: upload.id,
      ownerId: user.id,
      fileName,
      sizeBytes: upload.size ?? null,
      fileType: metadata.filetype ? metadata.filetype.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, FILE_TYPE_CHARS) : null,
      ...target,
    };
  }

  /** The 413 message for a declared size over the limit, or undefined when it fits. */
  sizeProblem(size: number, fileName = 'This file'): string | undefined {
    const limit = this.deps.settings.current.maxFileSizeBytes;
    if (size <= limit) return undefined;
    return `${fileName} is ${formatBytes(size)}; the limit is ${formatBytes(limit)}. Ask an administrator to raise the limit.`;
  }

  private parseTarget(metadata: Record<string, string | null>): Pick<NewUpload, 'targetType' | 'targetId' | 'groupId'> {
    const { targetType, targetId, groupId } = metadata;
    if (groupId && !TARGET_ID.test(groupId)) {
      throw tusError(400, 'groupId must be an OMERO group id: letters, digits, _ or -, at most 64.');
    }
    if (!targetType && !targetId) return { targetType: null, targetId: null, groupId: groupId ?? null };
    if (!targetType || !TARGET_TYPES.includes(targetType)) {
      throw tusError(400, `targetType must be DATASET or SCREEN, not "${String(targetType).slice(0, 40)}".`);
    }
    if (!targetId || !TARGET_ID.test(targetId) || !groupId || !TARGET_ID.test(groupId)) {
      throw tusError(400, 'An import target needs targetId and groupId as well (OMERO ids).');
    }
    return { targetType: targetType as ImportTargetType, targetId, groupId };
  }
}
