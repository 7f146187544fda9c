import type { SessionLock } from '../sessions/session-lock.js';

/**
 * Runs the imports of one OMERO session one after another. With `-k`, `-g` is ignored: the
 * session's group is switched first (`omero sessions group`), so an import running beside
 * another of the same session could switch the group under it. In this process a queue per
 * session orders them; across instances, `sessionLock` does.
 */
export class SessionQueue {
  /** The tail of the queue of work per OMERO session key. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly sessionLock?: SessionLock) {}

  /**
   * Runs `work` once every earlier work of `key` has ended and the session is held. An abort
   * of `signal` while waiting leaves the queue, throwing `cancelled()`.
   */
  async run<T>(key: string, signal: AbortSignal, cancelled: () => Error, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await untilAborted(previous, signal, cancelled);
      const unlock = await this.lock(key, signal, cancelled);
      try {
        return await work();
      } finally {
        await unlock();
      }
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** The session, held across instances (SessionLock); a cancelled wait ends the work. */
  private async lock(key: string, signal: AbortSignal, cancelled: () => Error): Promise<() => Promise<void>> {
    if (!this.sessionLock) return async () => undefined;
    try {
      return await this.sessionLock(key, signal);
    } catch (error) {
      if (signal.aborted) throw cancelled();
      throw error;
    }
  }
}

function untilAborted(promise: Promise<void>, signal: AbortSignal, cancelled: () => Error): Promise<void> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
