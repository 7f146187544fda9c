import type { Readable, Writable } from 'node:stream';

/** Node reads a socket 64 KiB at a time: a read this large left more bytes waiting. */
const FULL_READ_BYTES = 64 * 1024;
/** How long a request body rests after a read that emptied its socket. */
const REST_MS = 1;
/** Near its end a body does not rest: a rest would only delay its last bytes and the response. */
const NO_REST_IN_LAST_BYTES = 1024 * 1024;

/**
 * Lets an upload's bytes gather in the kernel between reads, so each read takes more of them.
 *
 * Why: the event loop reads a socket as soon as any bytes are there. From a browser on the same
 * machine that was about 3,000 reads of 21 KiB per 64 MiB PATCH: each read costs the app a chain
 * of stream callbacks, and each costs the sender an acknowledgement to handle, so Chromium sent
 * to the app about 5% more slowly than to a bare @tus/server. Resting 1 ms after a read that did
 * not fill the read buffer, the same PATCH took about 1,000 reads of 61 KiB, the app used a
 * quarter less CPU per GiB, and the browser sent as fast as to the bare server
 * (bench/RESULTS.md, "Web"). A slow sender loses nothing: the kernel keeps receiving while the
 * body rests, and each rest is 1 ms.
 *
 * The destination's own backpressure comes first: a rest never resumes a source that `pipe`
 * paused for a full destination, nor one whose destination has ended or failed. In the last
 * MiB of a body of known length (`bodyBytes`) there is no rest: each PATCH would otherwise end
 * up to 1 ms later. Returns a function that stops it (call it once the body is written or
 * abandoned).
 */
export function coalesceReads(source: Readable, destination: Writable, bodyBytes = Infinity): () => void {
  let rest: NodeJS.Timeout | undefined;
  let received = 0;
  const wake = () => {
    rest = undefined;
    if (destination.writableNeedDrain || destination.writableEnded || destination.destroyed) return;
    source.resume();
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (rest || chunk.length >= FULL_READ_BYTES || bodyBytes - received < NO_REST_IN_LAST_BYTES) return;
    // More is already buffered in the stream: it comes before any rest.
    if (source.readableLength > 0) return;
    source.pause();
    rest = setTimeout(wake, REST_MS);
  };
  source.on('data', onData);
  return () => {
    clearTimeout(rest);
    rest = undefined;
    source.off('data', onData);
  };
}
