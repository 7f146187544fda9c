import { createSHA256 } from 'hash-wasm';

/**
 * The sha256 of a file's first `end` bytes, computed off the page's thread so that hashing
 * never slows the page or the upload it runs beside. The file is read in slices, the next one
 * while the current one is hashed: at most two are in memory, whatever the file's size.
 * hash-wasm (WebAssembly) measured about 2.5 times faster in Chromium than a JavaScript sha256.
 * Reading ahead lets hashing go on while the browser fetches the next bytes from disk, where a
 * core is free for it; 16 MiB slices keep the number of reads (each a round trip through the
 * browser's file thread) low.
 */
const SLICE_BYTES = 16 * 1024 * 1024;

export interface HashRequest {
  blob: Blob;
  /** How many bytes from the start to hash: the whole file, or what the server already holds. */
  end: number;
}
export type HashReply = { sha256: string } | { error: string };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(reply: HashReply): void;
};

scope.onmessage = ({ data: { blob, end } }) => {
  void (async () => {
    try {
      const hasher = await createSHA256();
      hasher.init();
      const read = (offset: number) => {
        const bytes = blob.slice(offset, Math.min(end, offset + SLICE_BYTES)).arrayBuffer();
        // Awaited below; a failure while the previous slice is hashed must not go unhandled.
        bytes.catch(() => undefined);
        return bytes;
      };
      let next = read(0);
      for (let offset = 0; offset < end; offset += SLICE_BYTES) {
        const bytes = await next;
        if (offset + SLICE_BYTES < end) next = read(offset + SLICE_BYTES);
        hasher.update(new Uint8Array(bytes));
      }
      scope.postMessage({ sha256: hasher.digest('hex') });
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  })();
};
