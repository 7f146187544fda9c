import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Collects the garbage that receiving uploads leaves in V8's old generation.
 *
 * Every socket read of an upload body gets a fresh buffer outside the JS heap. V8 answers that
 * external memory with a young-generation collection every few MiB, and each one moves the
 * objects of the requests then in flight (Express, Nest, tus, about 230 KiB) to the old
 * generation, where they die a moment later. V8 collects the old generation only when it has
 * grown by a large factor, so at 8 MiB PATCHes the process grew by about 13 MiB per GiB
 * received, through several GiB: peak memory depended on the file size. Asking for a full
 * collection after every 512 MiB received keeps it flat. It runs as incremental, concurrent
 * marking (`execution: 'async'`): a few milliseconds of this thread each time.
 */
const COLLECT_EVERY_BYTES = 512 * 1024 ** 2;

type Gc = (options: { type: 'major'; execution: 'async' }) => void;

let gc: Gc | undefined;
let received = 0;

/** Counts bytes received; after every COLLECT_EVERY_BYTES, asks V8 for a full collection. */
export function countReceived(bytes: number): void {
  received += bytes;
  if (received < COLLECT_EVERY_BYTES) return;
  received = 0;
  collector()({ type: 'major', execution: 'async' });
}

/** V8's gc(), which Node exposes only with --expose-gc: the flag, set now, exposes it to new contexts. */
function collector(): Gc {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  }
  return gc;
}
