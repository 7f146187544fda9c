import { createSHA256 } from 'hash-wasm';

/**
 * The sha256 of a file's first `end` bytes, computed off the page's thread so that hashing
 * never blocks the page. The file is read in slices, the next one while the current one is
 * hashed: at most two are in memory, whatever the file's size.
 * hash-wasm (WebAssembly) measured about 2.5 times faster in Chromium than a JavaScript sha256.
 * Reading ahead lets hashing go on while the browser fetches the next bytes from disk, where a
 * core is free for it; 16 MiB slices keep the number of reads (each a round trip through the
 * browser's file thread) low.
 */
const SLICE_BYTES = 16 * 1024 * 1024;

/**
 * The share of one core the hash may use, from 0 (exclusive) to 1: after each slice it rests
 * long enough that its working time is at most this share of the time passed. 1 = no rest.
 * The page lowers it while uploads need the machine's cores (see hash-pacing.ts).
 */
export interface ShareChange {
  share: number;
}
export interface HashRequest extends ShareChange {
  blob: Blob;
  /** How many bytes from the start to hash: the whole file, or what the server already holds. */
  end: number;
}
/** The answer, or (about every PROGRESS_MS while hashing) how many bytes are hashed so far. */
export type HashReply = { sha256: string } | { error: string } | { hashed: number };

const PROGRESS_MS = 500;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashRequest | ShareChange>) => void) | null;
  postMessage(reply: HashReply): void;
};

let share = 1;
/** Ends the current rest early: the share has changed. */
let wake: (() => void) | undefined;

function rest(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });
}

async function hash(blob: Blob, end: number): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  const read = (offset: number) => {
    const bytes = blob.slice(offset, Math.min(end, offset + SLICE_BYTES)).arrayBuffer();
    // Awaited below; a failure while the previous slice is hashed must not go unhandled.
    bytes.catch(() => undefined);
    return bytes;
  };
  let next = read(0);
  let reportedAt = performance.now();
  for (let offset = 0; offset < end; offset += SLICE_BYTES) {
    const started = performance.now();
    const bytes = await next;
    if (offset + SLICE_BYTES < end) next = read(offset + SLICE_BYTES);
    hasher.update(new Uint8Array(bytes));
    const hashed = offset + bytes.byteLength;
    // The last slice is answered by the digest itself: a row never reads "100% done" while
    // it still waits.
    if (started - reportedAt >= PROGRESS_MS && hashed < end) {
      reportedAt = started;
      scope.postMessage({ hashed });
    }
    if (share < 1) await rest(((performance.now() - started) * (1 - share)) / share);
  }
  return hasher.digest('hex');
}

scope.onmessage = ({ data }) => {
  share = Math.min(1, Math.max(0.01, data.share));
  wake?.();
  if (!('blob' in data)) return;
  hash(data.blob, data.end).then(
    (sha256) => scope.postMessage({ sha256 }),
    (error: unknown) => scope.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
};
