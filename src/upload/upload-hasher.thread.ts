/**
 * The body of the hashing thread (see upload-hasher.ts). It runs in a worker_threads Worker
 * created from this function's source text, so it must be self-contained: no imports and no
 * variables from the enclosing module, only what `process.getBuiltinModule` gives.
 *
 * Messages, handled one at a time and in the order sent:
 * - `{ op: 'advance', id, path, from, to }`: bytes [from, to) of the file are on disk; add them
 *   to the upload's hash. A hash that is not at `from` (a restart, or bytes written by another
 *   instance) is first rebuilt from the file's bytes [0, from).
 * - `{ op: 'digest', id, path, size, seq }`: answers `{ seq, sha256 }` (or `{ seq, error }`) for
 *   bytes [0, size), rebuilding from the file if needed, and forgets the upload.
 * - `{ op: 'received', id, path, seq }`: answers `{ seq, offset, sha256 }` for the bytes the
 *   file holds now, [0, offset), without ending the hash (a copy is digested): the upload goes on.
 * - `{ op: 'forget', id }`.
 * An upload's bytes never change once written (uploads only append), so a state that is behind
 * is extended from the file rather than rebuilt, and one that is ahead of an advance (a
 * `received` read bytes not yet reported) only hashes what it lacks.
 * An advance that fails (the file is gone, say) drops the upload's hash: the next advance or
 * digest rebuilds it from whatever the file then holds.
 */
export function hashingThread(): void {
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  const { createHash } = process.getBuiltinModule('node:crypto');
  const fs = process.getBuiltinModule('node:fs');

  type Hash = ReturnType<typeof createHash>;
  interface State {
    hash: Hash;
    offset: number;
    lastUsed: number;
  }
  type Message =
    | { op: 'advance'; id: string; path: string; from: number; to: number }
    | { op: 'digest'; id: string; path: string; size: number; seq: number }
    | { op: 'received'; id: string; path: string; seq: number }
    | { op: 'forget'; id: string };

  // Reads go through one buffer: this thread never holds more than 1 MiB of file bytes.
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  const states = new Map<string, State>();
  // Hash state of uploads idle this long is dropped (and rebuilt from disk if they resume).
  const IDLE_MS = 60 * 60 * 1000;

  const hashRange = (state: State, path: string, to: number): void => {
    const fd = fs.openSync(path, 'r');
    try {
      while (state.offset < to) {
        const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, to - state.offset), state.offset);
        if (read === 0) throw new Error(`${path} ends at ${state.offset}, before ${to}`);
        state.hash.update(buffer.subarray(0, read));
        state.offset += read;
      }
    } finally {
      fs.closeSync(fd);
    }
  };

  const stateAt = (id: string, path: string, offset: number): State => {
    let state = states.get(id);
    if (!state || state.offset > offset) {
      states.delete(id);
      state = { hash: createHash('sha256'), offset: 0, lastUsed: Date.now() };
    }
    // Not stored before its bytes are read: a state always covers exactly [0, offset).
    hashRange(state, path, offset);
    states.set(id, state);
    state.lastUsed = Date.now();
    return state;
  };

  parentPort!.on('message', (message: Message) => {
    switch (message.op) {
      case 'advance':
        try {
          const ahead = states.get(message.id);
          const state = ahead && ahead.offset >= message.from ? ahead : stateAt(message.id, message.path, message.from);
          hashRange(state, message.path, message.to);
        } catch {
          states.delete(message.id);
        }
        return;
      case 'digest':
        try {
          const sha256 = stateAt(message.id, message.path, message.size).hash.digest('hex');
          parentPort!.postMessage({ seq: message.seq, sha256 });
        } catch (error) {
          parentPort!.postMessage({ seq: message.seq, error: (error as Error).message });
        } finally {
          states.delete(message.id);
        }
        return;
      case 'received':
        try {
          const state = stateAt(message.id, message.path, fs.statSync(message.path).size);
          parentPort!.postMessage({ seq: message.seq, offset: state.offset, sha256: state.hash.copy().digest('hex') });
        } catch (error) {
          states.delete(message.id);
          parentPort!.postMessage({ seq: message.seq, error: (error as Error).message });
        }
        return;
      case 'forget':
        states.delete(message.id);
        return;
    }
  });

  setInterval(() => {
    const cutoff = Date.now() - IDLE_MS;
    for (const [id, state] of states) if (state.lastUsed < cutoff) states.delete(id);
  }, IDLE_MS / 4).unref();
}
