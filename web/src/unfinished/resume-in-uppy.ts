import type { UploaderUppy } from '../uploader/create-uppy.js';
import type { UnfinishedUpload } from './unfinished-queries.js';

/**
 * Continues the server's unfinished upload with `file` (already checked to be the same file):
 * added to the page's Uppy with the upload's tus URL, tus asks the server its offset (HEAD) and
 * sends only the rest, and the file then lives like any other on the page (progress, integrity
 * check, import). Only this file starts: others waiting in the Dashboard stay as they are.
 */
export function resumeInUppy(uppy: UploaderUppy, upload: UnfinishedUpload, file: File): string {
  const fileId = uppy.addFile({
    name: file.name,
    type: file.type,
    data: file,
    source: 'unfinished-uploads',
    meta: {
      filename: file.name,
      filetype: file.type || 'application/octet-stream',
      // The target it was started for; sent nowhere (tus sends metadata only at creation), but
      // the import is asked for with it.
      ...(upload.targetId && {
        targetType: upload.targetType ?? undefined,
        targetId: upload.targetId,
        groupId: upload.groupId ?? undefined,
      }),
    },
  });
  uppy.setFileState(fileId, { tus: { uploadUrl: new URL(`/api/uploads/${upload.id}`, location.href).href } });
  // Failures are reported on the file's row (upload-error), as for any upload.
  uppy.retryUpload(fileId).catch(() => undefined);
  return fileId;
}
