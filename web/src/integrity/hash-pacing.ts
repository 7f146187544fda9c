import type { UploaderUppy } from '../uploader/create-uppy.js';
import { setUploadHashShare } from './hash-file.js';

/**
 * From this many logical cores, a file's hash runs at full speed beside its upload: one core
 * for the hash leaves the upload (the page, the browser's network and file threads) the rest.
 */
const CORES_TO_HASH_ALONGSIDE = 4;
/**
 * With fewer cores, while any file is being sent, upload hashes use at most this share of one
 * core, and the rest of each hash runs at full speed once nothing is being sent.
 *
 * Why: the hash (about 4.6 CPU-seconds per GiB) and a fast upload need the same few cores, and
 * hashing at full speed beside it slowed a 1 GiB upload on 2 cores by almost half. Paced, it
 * costs the upload a few percent, and the file is still verified sooner than before, since the
 * two no longer fight for the cores. On a slow network (the common case), a tenth of a core
 * (about 20 MB/s) keeps ahead of the upload, so "verified" shows as soon as it completes.
 */
const HASH_SHARE_WHILE_SENDING = 0.1;

function sending(uppy: UploaderUppy): boolean {
  return uppy
    .getFiles()
    .some(({ progress, isPaused, error }) => progress.uploadStarted && !progress.uploadComplete && !isPaused && !error);
}

/** Paces upload hashes to `uppy`'s uploads on this machine; returns the function that stops. */
export function paceHashingToUploads(uppy: UploaderUppy): () => void {
  if ((navigator.hardwareConcurrency || 1) >= CORES_TO_HASH_ALONGSIDE) return () => undefined;
  const follow = () => setUploadHashShare(sending(uppy) ? HASH_SHARE_WHILE_SENDING : 1);
  uppy.on('state-update', follow);
  follow();
  return () => {
    uppy.off('state-update', follow);
    setUploadHashShare(1);
  };
}
