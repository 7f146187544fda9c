import type { HashReply, HashRequest } from './sha256-worker.js';

/**
 * This browser cannot hash files: the worker did not load (blocked, or no WebAssembly) or
 * could not read the file. The upload itself is not affected.
 */
export class HashingUnavailable extends Error {}

/**
 * The hex sha256 of `blob`'s first `end` bytes, from a worker of its own that ends with the
 * answer. `signal` stops it (the file was removed).
 */
export function sha256Of(blob: Blob, end = blob.size, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./sha256-worker.ts', import.meta.url), { type: 'module' });
    } catch (error) {
      reject(new HashingUnavailable((error as Error).message));
      return;
    }
    const stop = () => {
      worker.terminate();
      reject(new DOMException('Hashing stopped.', 'AbortError'));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    const done = () => {
      worker.terminate();
      signal?.removeEventListener('abort', stop);
    };
    worker.onmessage = ({ data }: MessageEvent<HashReply>) => {
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
    const request: HashRequest = { blob, end };
    worker.postMessage(request);
  });
}

/**
 * Upload hashes run one at a time: each keeps a core busy, and the uploads beside them need
 * the rest of the machine. A check the user asked for (resuming) does not wait in this line.
 */
let line: Promise<unknown> = Promise.resolve();
export function sha256InTurn(blob: Blob, signal?: AbortSignal): Promise<string> {
  const turn = line.then(() => sha256Of(blob, blob.size, signal));
  line = turn.catch(() => undefined);
  return turn;
}
