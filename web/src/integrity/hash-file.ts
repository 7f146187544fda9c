import type { HashReply, HashRequest, ShareChange } from './sha256-worker.js';

/**
 * This browser cannot hash files: the worker did not load (blocked, or no WebAssembly) or
 * could not read the file. The upload itself is not affected.
 */
export class HashingUnavailable extends Error {}

/** The share of a core that hashes of uploading files may use now (see hash-pacing.ts). */
let uploadShare = 1;
/** The workers hashing uploading files, told when that share changes. */
const uploadHashers = new Set<Worker>();

export function setUploadHashShare(share: number): void {
  if (share === uploadShare) return;
  uploadShare = share;
  const change: ShareChange = { share };
  for (const worker of uploadHashers) worker.postMessage(change);
}

export interface HashOptions {
  /** Hash only the first `end` bytes (what the server holds of an unfinished upload). */
  end?: number;
  /** Stops the hash (the file was removed). */
  signal?: AbortSignal;
  /** Told how many bytes are hashed, about twice a second. */
  onProgress?: (hashed: number) => void;
}

/**
 * The hex sha256 of `blob` (or its first `end` bytes), from a worker of its own that ends with
 * the answer. A hash a person waits for (resuming) runs at full speed; one of an uploading
 * file (`ofUpload`) follows setUploadHashShare.
 */
export function sha256Of(
  blob: Blob,
  { end = blob.size, signal, onProgress }: HashOptions = {},
  ofUpload = false,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./sha256-worker.ts', import.meta.url), { type: 'module' });
    } catch (error) {
      reject(new HashingUnavailable((error as Error).message));
      return;
    }
    const done = () => {
      worker.terminate();
      uploadHashers.delete(worker);
      signal?.removeEventListener('abort', stop);
    };
    const stop = () => {
      done();
      reject(new DOMException('Hashing stopped.', 'AbortError'));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    worker.onmessage = ({ data }: MessageEvent<HashReply>) => {
      if ('hashed' in data) return onProgress?.(data.hashed);
      done();
      if ('sha256' in data) resolve(data.sha256);
      else reject(new HashingUnavailable(data.error));
    };
    // A worker script that cannot be loaded (blocked, offline) reports here, without details.
    worker.onerror = (event) => {
      event.preventDefault();
      done();
      reject(new HashingUnavailable(event.message || 'The hashing worker could not be loaded.'));
    };
    if (ofUpload) uploadHashers.add(worker);
    const request: HashRequest = { blob, end, share: ofUpload ? uploadShare : 1 };
    worker.postMessage(request);
  });
}

/**
 * Upload hashes run one at a time: each keeps a core busy, and the uploads beside them need
 * the rest of the machine. A check the user asked for (resuming) does not wait in this line.
 */
let line: Promise<unknown> = Promise.resolve();
export function sha256InTurn(blob: Blob, options: Omit<HashOptions, 'end'> = {}): Promise<string> {
  const turn = line.then(() => sha256Of(blob, options, true));
  line = turn.catch(() => undefined);
  return turn;
}
