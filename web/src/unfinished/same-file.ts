import { graphql } from '../api/graphql.js';
import { formatBytes } from '../format/units.js';
import { HashingUnavailable, sha256Of } from '../integrity/hash-file.js';
import { RECEIVED_BYTES, type ReceivedBytes, type UnfinishedUpload } from './unfinished-queries.js';

/** The file chosen is not the one the upload was started with; the message says what differs. */
export class NotTheSameFile extends Error {}

/**
 * Checks that `file` is the file `upload` was started with, before any byte is sent: the same
 * name, the same size, and the same first bytes as the server holds (their sha256, computed in
 * a worker). Resolves with how many bytes the server has; rejects with NotTheSameFile, or a
 * plain Error when the check itself could not be made.
 */
export async function checkSameFile(upload: UnfinishedUpload, file: File): Promise<number> {
  if (file.name !== upload.fileName)
    throw new NotTheSameFile(
      `This file is named “${file.name}”, not “${upload.fileName}”. Choose the file named “${upload.fileName}”.`,
    );
  if (upload.sizeBytes !== null && file.size !== upload.sizeBytes)
    throw new NotTheSameFile(
      `This “${file.name}” is ${formatBytes(file.size)} (${file.size} bytes), but the unfinished upload is ` +
        `${formatBytes(upload.sizeBytes)} (${upload.sizeBytes} bytes): it is another version of the file. ` +
        `Choose the file you started uploading.`,
    );
  const { upload: now } = await graphql<{ upload: ReceivedBytes | null }>(RECEIVED_BYTES, { id: upload.id });
  if (!now?.received)
    throw new Error('This upload is no longer unfinished (it was completed, cancelled or has expired).');
  let sha256: string;
  try {
    sha256 = await sha256Of(file, { end: now.received.offsetBytes });
  } catch (error) {
    if (error instanceof HashingUnavailable)
      throw new Error(
        'This browser cannot check the file’s content, so the upload cannot be resumed safely here. ' +
          'Resume it from another browser, or cancel it and upload the file again.',
      );
    throw error;
  }
  if (sha256 !== now.received.sha256)
    throw new NotTheSameFile(
      `The content of this “${file.name}” differs from the ${formatBytes(now.received.offsetBytes)} the server ` +
        `already has: it is another file with the same name and size. Choose the file you started uploading, ` +
        `or cancel this upload and upload the file again.`,
    );
  return now.received.offsetBytes;
}
