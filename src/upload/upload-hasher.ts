import { Worker } from 'node:worker_threads';
import { hashingThread } from './upload-hasher.thread.js';

interface Reply {
  seq: number;
  sha256?: string;
  /** For `received`: how many bytes `sha256` covers. */
  offset?: number;
  error?: string;
}

/** The bytes of an unfinished upload on disk at one moment: how many, and their sha256. */
export interface ReceivedBytes {
  offset: number;
  sha256: string;
}

/**
 * The sha256 of every upload, computed while its bytes arrive, on a thread of its own.
 *
 * The event loop that receives the bytes is the upload path's bottleneck, and hashing is most of
 * its work per byte (about half a CPU-second per GiB). So the writer only reports each batch it
 * has put on disk, and this thread reads the batch back (from the page cache, where it has just
 * been written) and hashes it, on another core. A file is read once in all, in order, a batch
 * behind the network: never re-read per PATCH. After a restart, or bytes written by another
 * instance, the thread rebuilds the hash from the file.
 *
 * One thread serves every upload of the process: it hashes faster (about 2 GiB/s) than one
 * process writes.
 */
export class UploadHasher {
  private worker = this.start();
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private seq = 0;
  private closed = false;

  /** Bytes [from, to) of the upload's file are on disk. */
  written(id: string, path: string, from: number, to: number): void {
    if (to > from) this.worker.postMessage({ op: 'advance', id, path, from, to });
  }

  /** The sha256 of the upload's bytes [0, size), once every batch reported before is hashed. */
  async digest(id: string, path: string, size: number): Promise<string> {
    return (await this.ask({ op: 'digest', id, path, size })).sha256!;
  }

  /**
   * The sha256 of the bytes the file holds now, and how many they are, without ending the
   * upload's hash: from the running hash plus any bytes not yet reported, so it costs a full
   * read only when this process holds no hash of the upload (then kept for its next bytes).
   */
  async received(id: string, path: string): Promise<ReceivedBytes> {
    const reply = await this.ask({ op: 'received', id, path });
    return { offset: reply.offset!, sha256: reply.sha256! };
  }

  private ask(message: Record<string, unknown>): Promise<Reply> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...message, seq });
    });
  }

  /** Drops the upload's hash state (its bytes were deleted). */
  forget(id: string): void {
    this.worker.postMessage({ op: 'forget', id });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(`(${hashingThread.toString()})()`, { eval: true });
    // The thread waits for messages forever; it must not keep the process alive.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.seq);
      if (!waiter) return;
      this.waiting.delete(reply.seq);
      if (reply.sha256) waiter.resolve(reply);
      else waiter.reject(new Error(`sha256 failed: ${reply.error}`));
    });
    // An error is followed by 'exit', handled below.
    worker.on('error', () => undefined);
    // A thread that dies loses only hash states, which are rebuilt from the files on demand.
    worker.once('exit', () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error('the hashing thread stopped'));
      this.waiting.clear();
      if (!this.closed) this.worker = this.start();
    });
    return worker;
  }
}
