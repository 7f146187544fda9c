import { FileConfigstore, FileStore } from '@tus/file-store';
import { ERRORS, Upload as TusUpload } from '@tus/utils';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CachedConfigstore } from './cached-configstore.js';
import { SIGNATURE_BYTES } from '../common/image-formats.js';
import { readFileStart } from '../common/read-file-start.js';

/**
 * Socket chunks are ~64 KiB. While one disk write is in flight the write stream queues what
 * arrives and writes it in one writev, up to this much: far fewer thread-pool calls than
 * @tus/file-store's 16 KiB default. Larger (4 MiB) measured slower here: more kernel time.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/** Hash state of uploads idle this long is dropped (and rebuilt from disk if they resume). */
const IDLE_HASH_MS = 60 * 60 * 1000;

/** A tus error, as the server answers it. */
export interface TusError {
  status_code: number;
  body: string;
}

export const isTusError = (error: unknown): error is TusError =>
  typeof error === 'object' && error !== null && 'status_code' in error && 'body' in error;

export interface UploadStoreHooks {
  /**
   * Checks the first bytes (SIGNATURE_BYTES, or the whole file if shorter). Returns the
   * detected format, or a tus error after having rejected the upload (which deletes its bytes).
   */
  checkContent(id: string, head: Buffer): Promise<{ format: string } | { error: TusError }>;
  /** The size of a completed upload whose bytes have left this store, or null. */
  completedSize(id: string): Promise<number | null>;
  /** A deferred length has just been declared. */
  lengthDeclared(id: string, size: number): Promise<void>;
  /** An upload's bytes were deleted (tus termination among others), before the answer is sent. */
  removed(id: string): Promise<void>;
  /** The current expiry period, read on every request (settings change at runtime). */
  expiryMs(): number;
}

interface HashState {
  hash: Hash;
  /** Bytes hashed so far: the hash is valid for a write starting exactly here. */
  offset: number;
  format?: string;
  lastUsed: number;
}

/**
 * @tus/file-store, plus what the upload path needs while the bytes stream past: the sha256
 * (kept per upload in memory, rebuilt from the file after a restart or a write elsewhere), the
 * content check on the first bytes, and larger disk writes.
 */
export class UploadFileStore extends FileStore {
  private readonly states = new Map<string, HashState>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly folder: string,
    private readonly hooks: UploadStoreHooks,
  ) {
    super({
      directory: folder,
      configstore: new CachedConfigstore(new FileConfigstore(folder)),
      expirationPeriodInMilliseconds: 1,
    });
    this.sweeper = setInterval(() => this.dropIdleStates(), IDLE_HASH_MS / 4).unref();
  }

  /** Where an upload's bytes are while it is unfinished. Ids are server-made UUIDs. */
  pathOf(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ERRORS.FILE_NOT_FOUND;
    return join(this.folder, id);
  }

  override getExpiration(): number {
    return this.hooks.expiryMs();
  }

  close(): void {
    clearInterval(this.sweeper);
    this.states.clear();
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    try {
      return await this.writeAt(readable, id, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The bytes have left: completed (a PATCH at its full offset has nothing to add) or gone.
      if ((await this.hooks.completedSize(id)) === offset) return offset;
      throw ERRORS.FILE_NO_LONGER_EXISTS;
    }
  }

  private async writeAt(readable: Readable, id: string, offset: number): Promise<number> {
    const state = await this.stateAt(id, offset);
    let written = offset;
    let head = offset < SIGNATURE_BYTES ? await this.readHead(id, offset) : undefined;
    let rejection: TusError | undefined;

    const check = async (bytes: Buffer): Promise<void> => {
      const verdict = await this.hooks.checkContent(id, bytes);
      if ('error' in verdict) {
        rejection = verdict.error;
        throw new Error(verdict.error.body);
      }
      state.format = verdict.format;
    };

    const hashing = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        const pass = () => {
          state.hash.update(chunk);
          written += chunk.length;
          done(null, chunk);
        };
        if (!head) return pass();
        head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)]);
        if (head.length < SIGNATURE_BYTES) return pass();
        const complete = head;
        head = undefined;
        check(complete).then(pass, done);
      },
      flush: (done) => {
        // A file shorter than the signature window is checked once all of it has arrived.
        if (!head) return done();
        const short = head;
        this.declaredSize(id).then((size) => (size === written ? check(short).then(() => done(), done) : done()), done);
      },
    });

    try {
      await pipeline(
        readable,
        hashing,
        createWriteStream(this.pathOf(id), { flags: 'r+', start: offset, highWaterMark: WRITE_BUFFER_BYTES }),
      );
    } catch (error) {
      // Bytes were hashed that may not all be on disk: the next write rebuilds from the file.
      this.states.delete(id);
      if (rejection) throw rejection;
      // tus's own errors (a body over the declared length: 413) keep their status, and a
      // missing file is reported as such.
      if (isTusError(error) || (error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
      throw ERRORS.FILE_WRITE_ERROR;
    }
    state.offset = written;
    state.lastUsed = Date.now();
    return written;
  }

  /**
   * The sha256 and detected format of a complete upload, then forgets it. Rebuilt from the file
   * when this process did not see every byte (a restart, or writes on another instance).
   */
  async finish(id: string, size: number): Promise<{ sha256: string; format?: string }> {
    const state = await this.stateAt(id, size);
    this.states.delete(id);
    return { sha256: state.hash.digest('hex'), format: state.format };
  }

  /** Reads the first bytes of an upload, for checks after a restart. */
  readHead(id: string, length = SIGNATURE_BYTES): Promise<Buffer> {
    return readFileStart(this.pathOf(id), length);
  }

  override async remove(id: string): Promise<void> {
    this.states.delete(id);
    await super.remove(id);
    await this.hooks.removed(id);
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    await super.declareUploadLength(id, length);
    await this.hooks.lengthDeclared(id, length);
  }

  /** The length tus knows for an upload, declared at creation or later. */
  async declaredSize(id: string): Promise<number | undefined> {
    return (await this.configstore.get(id))?.size;
  }

  /**
   * Deletes the tus records of uploads whose bytes have left (completed) and that are older
   * than `maxAgeMs`: until then they let a resuming client learn that its upload is done.
   */
  async pruneFinishedRecords(maxAgeMs: number): Promise<number> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const present = new Set(names);
    let pruned = 0;
    for (const name of names) {
      if (!name.endsWith('.json') || present.has(name.slice(0, -5))) continue;
      const record = join(this.folder, name);
      const age = Date.now() - (await stat(record).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age < maxAgeMs) continue;
      await this.configstore.delete(name.slice(0, -5)).catch(() => undefined);
      pruned++;
    }
    return pruned;
  }

  override async getUpload(id: string): Promise<TusUpload> {
    try {
      return await super.getUpload(id);
    } catch (error) {
      if (error !== ERRORS.FILE_NO_LONGER_EXISTS) throw error;
      // A completed upload's bytes have moved to its owner's folder; a client resuming it
      // (after a browser crash, say) must learn that it is done, not start again.
      const size = await this.hooks.completedSize(id);
      if (size === null) throw error;
      const file = await this.configstore.get(id);
      return new TusUpload({ id, size, offset: size, metadata: file?.metadata });
    }
  }

  /** Deletes the incoming bytes and their tus record, if they are still there. */
  async discard(id: string): Promise<void> {
    await this.remove(id).catch(() => undefined);
    await this.configstore.delete(id).catch(() => undefined);
  }

  /** Hash state valid for a write at `offset`, from memory or rebuilt by reading the file. */
  private async stateAt(id: string, offset: number): Promise<HashState> {
    const known = this.states.get(id);
    if (known && known.offset === offset) return known;
    const hash = createHash('sha256');
    if (offset > 0) {
      await pipeline(
        createReadStream(this.pathOf(id), { start: 0, end: offset - 1, highWaterMark: WRITE_BUFFER_BYTES }),
        async (source) => {
          for await (const chunk of source) hash.update(chunk as Buffer);
        },
      );
    }
    const state: HashState = { hash, offset, format: known?.format, lastUsed: Date.now() };
    if (!state.format && offset >= SIGNATURE_BYTES) {
      const verdict = await this.hooks.checkContent(id, await this.readHead(id));
      if ('error' in verdict) throw verdict.error;
      state.format = verdict.format;
    }
    this.states.set(id, state);
    return state;
  }

  private dropIdleStates(): void {
    const cutoff = Date.now() - IDLE_HASH_MS;
    for (const [id, state] of this.states) if (state.lastUsed < cutoff) this.states.delete(id);
  }
}
