import type { Meta, Uppy, UppyFile } from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import Tus from '@uppy/tus';
import { resumeRestoredUploads } from '../offline/restored-uploads.js';
import { PacedProgressUppy } from '../progress/paced-progress-uppy.js';
import { serviceWorkerInControl } from '../offline/service-worker.js';
import { sessionStore } from '../session/session-store.js';

export interface UploadMeta extends Meta {
  filename: string;
  filetype: string;
  targetType?: string;
  targetId?: string;
  groupId?: string;
}
export type UploadBody = Record<string, never>;
export type UploaderUppy = Uppy<UploadMeta, UploadBody>;
export type UploaderFile = UppyFile<UploadMeta, UploadBody>;

const GiB = 1024 ** 3;
/** Metadata the server reads (docs/api.md); Uppy's own fields stay in the browser. */
const SENT_METADATA = ['filename', 'filetype', 'targetType', 'targetId', 'groupId'];
/** A flaky network gets about five minutes of retries before a file is marked failed. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, 60_000, 60_000, 60_000];

/** Tells the page about files Uppy refused and folders it will not take. */
export type Notify = (message: string) => void;

/**
 * The page's one Uppy: tus to /api/uploads with the session's token on every request, and
 * Golden Retriever so that files survive a reload or a browser restart. Restrictions and the
 * chunk size come from the server's uploaderSettings later (applySettings).
 */
export function createUppy(notify: Notify): UploaderUppy {
  // Progress reaches the views once a second, not with every report of the network.
  const uppy = new PacedProgressUppy<UploadMeta, UploadBody>({
    id: 'omero-uploader',
    autoProceed: false,
    // Uppy logs refused files and failed uploads as errors; the page shows them to the user.
    logger: { debug: () => undefined, warn: console.warn, error: console.warn },
    onBeforeFileAdded: (file, files) => {
      // Uppy's own default: a file already in the list is not added twice.
      if (Object.hasOwn(files, file.id)) return false;
      // A dropped folder arrives as its files, each with a relative path: refuse them all.
      const relativePath = (file.meta as { relativePath?: string | null }).relativePath;
      if (relativePath && relativePath.includes('/')) {
        refusedInFolders.add(file.id);
        notifyFolderOnce(notify);
        return false;
      }
      return true;
    },
  });
  uppy.on('file-added', (file) => {
    uppy.setFileMeta(file.id, { filename: file.name ?? 'unnamed', filetype: file.type || 'application/octet-stream' });
  });
  uppy.use(Tus, {
    endpoint: '/api/uploads',
    retryDelays: RETRY_DELAYS,
    allowedMetaFields: SENT_METADATA,
    removeFingerprintOnSuccess: true,
    limit: 3,
    onBeforeRequest: async (request) => {
      // Waits while the session is expired: the request goes out with the new token.
      request.setHeader('Authorization', `Bearer ${await sessionStore.whenSignedIn()}`);
    },
    onShouldRetry: (error, retryAttempt, _options, next) => {
      if (error.originalResponse?.getStatus() === 401) {
        const sent = error.originalRequest?.getHeader('Authorization')?.replace(/^Bearer /, '') ?? '';
        sessionStore.expire(sent);
        return true;
      }
      return next(error);
    },
  });
  uppy.use(GoldenRetriever, {
    // Big microscopy files must come back after a browser restart too, not as "ghosts" to be
    // re-selected: raise IndexedDB's per-file and total limits (10 and 300 MiB by default).
    indexedDB: { maxFileSize: 20 * GiB, maxTotalSize: 100 * GiB } as { name?: string },
    // Files are also kept in the service worker's memory (a reload), when it controls the page.
    serviceWorker: serviceWorkerInControl(),
  });
  // Restored uploads would otherwise wait for a click on the Dashboard's "resume".
  resumeRestoredUploads(uppy);
  return uppy;
}

/** Files refused for being in a folder: one note says it for all of them. */
const refusedInFolders = new Set<string>();
export const refusedInFolder = (fileId: string) => refusedInFolders.has(fileId);

let folderNoticeAt = 0;
function notifyFolderOnce(notify: Notify): void {
  // One drop of a folder refuses each of its files: say it once per drop.
  if (Date.now() - folderNoticeAt < 2000) return;
  folderNoticeAt = Date.now();
  notify('Folders cannot be uploaded yet. Open the folder and drop or choose the files in it instead.');
}

export function applySettings(
  uppy: UploaderUppy,
  settings: { allowedExtensions: string[]; maxFileSizeBytes: number; chunkSizeBytes: number },
): void {
  uppy.setOptions({
    restrictions: {
      maxFileSize: settings.maxFileSizeBytes,
      allowedFileTypes: settings.allowedExtensions.map((extension) => `.${extension}`),
    },
  });
  uppy.getPlugin('Tus')?.setOptions({ chunkSize: settings.chunkSizeBytes });
}

/** The server's message for a failed tus request (plain text or JSON), else tus-js-client's. */
export function uploadErrorMessage(error: Error & { originalResponse?: { getBody(): string } | null }): string {
  const body = error.originalResponse?.getBody()?.trim();
  if (body) {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body;
    }
  }
  if (/failed to upload because of|network/i.test(error.message))
    return 'The upload was interrupted and could not be resumed. Check your network connection, then press Retry.';
  return error.message;
}

/** The server's upload id: the last part of the tus upload URL. */
export function uploadIdOf(uploadUrl: string | undefined | null): string | undefined {
  return uploadUrl ? new URL(uploadUrl, location.href).pathname.split('/').pop() : undefined;
}
