import { Injectable, Logger } from '@nestjs/common';
import { Server } from '@tus/server';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthUser } from '../auth/auth-user.js';
import { UploaderSettingsService } from '../config/uploader-settings.service.js';
import { ErrorCode } from '../common/errors/app-error.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../database/database-errors.js';
import { handleWithNodeBody, streamNodeBodies } from './node-body.js';
import { isTusError, tusError } from './tus-error.js';
import { UploadsService } from './uploads.service.js';
import { STORAGE_FULL_AT_CREATION, STORAGE_FULL_WHILE_WRITING, UploadStorage } from './upload-storage.js';

export const TUS_PATH = '/api/uploads';

/** The Node request behind a tus (web) request, where the auth guard left the user. */
function userOf(request: Request): AuthUser {
  const node = (request as Request & { runtime?: { node?: { req: IncomingMessage & { user?: AuthUser } } } }).runtime
    ?.node?.req;
  if (!node?.user) throw tusError(401, 'Sign in first.');
  return node.user;
}

/** @tus/server configured for this app: ids, auth and ownership, validation and completion. */
@Injectable()
export class TusServerService {
  private readonly logger = new Logger('Tus');
  readonly server: Server;

  constructor(
    private readonly uploads: UploadsService,
    settings: UploaderSettingsService,
    storage: UploadStorage,
  ) {
    this.server = new Server({
      path: TUS_PATH,
      datastore: uploads.store,
      locker: uploads.locker,
      // Relative, so it stays right behind any proxy: clients resolve it against their endpoint.
      relativeLocation: true,
      namingFunction: () => randomUUID(),
      maxSize: () => settings.current.maxFileSizeBytes,
      disableTerminationForFinishedUploads: true,
      onIncomingRequest: async (request, id) => {
        // POST names a new id; every other method must name an upload of the caller's.
        if (request.method !== 'POST') await this.uploads.assertAccess(userOf(request), id);
      },
      onUploadCreate: async (request, upload) => {
        await this.uploads.create(userOf(request), upload);
        return {};
      },
      onUploadFinish: async (_request, upload) => {
        await this.uploads.completeLocked(upload.id);
        return {};
      },
      onResponseError: (request, error) => {
        if (isTusError(error)) return undefined;
        // Writes outside the byte stream (a deferred length's record, say) can meet a full disk too.
        const full = storage.fullDiskError(
          error,
          { method: request.method, url: new URL(request.url).pathname },
          STORAGE_FULL_WHILE_WRITING,
        );
        if (full) return full;
        if (isDatabaseUnavailable(error)) {
          // The bytes already written stay: the client resumes once the database is back.
          this.logger.warn(`upload request failed, the database is not answering: ${String(error)}`);
          const body = { statusCode: 503, code: ErrorCode.SERVICE_UNAVAILABLE, message: DATABASE_UNAVAILABLE_MESSAGE };
          return tusError(503, JSON.stringify(body));
        }
        this.logger.error(error);
        return tusError(
          500,
          'The server could not store this upload; it has been logged. Resume the upload to try again.',
        );
      },
    });
    streamNodeBodies(this.server, async (id, error) => {
      // Nobody can resume an upload whose creation answered without Location: when its first
      // bytes met a full disk, it is undone, like a creation that failed outright.
      if (!isTusError(error) || error.status_code !== 507) return undefined;
      // The client must hear of the full disk whatever happens to the undo; the expiry sweep
      // then takes an upload whose undo failed (the database away at the same moment, say).
      await this.uploads
        .forgetFailedCreation(id)
        .catch((undoError: unknown) => this.logger.error(`could not undo upload ${id}: ${String(undoError)}`));
      return tusError(507, STORAGE_FULL_AT_CREATION);
    });
  }

  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return handleWithNodeBody(this.server, request, response);
  }
}
