import { FileConfigstore, FileStore } from '@tus/file-store';
import { ERRORS, Upload as TusUpload } from '@tus/utils';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CachedConfigstore } from './cached-configstore.js';
import { FileAppender } from './file-appender.js';
import { type ReceivedBytes, UploadHasher } from './upload-hasher.js';
import { SIGNATURE_BYTES } from '../common/image-formats.js';
import { readFileStart } from '../common/read-file-start.js';
import { isTusError, type TusError } from './tus-error.js';
import { STORAGE_FULL_AT_CREATION, STORAGE_FULL_WHILE_WRITING, type UploadStorage } from './upload-storage.js';

/**
 * The hashing thread hears of written bytes in batches at least this large, not after every disk
 * write (often one per ~64 KiB socket read): fewer messages, and fewer open/read/close calls there.
 */
const HASH_BATCH_BYTES = 4 * 1024 * 1024;
/** What is known of an upload idle this long is dropped (and found again if it resumes). */
const IDLE_STATE_MS = 60 * 60 * 1000;

export interface UploadStoreHooks {
  /**
   * Checks the first bytes (SIGNATURE_BYTES, or the whole file if shorter). Returns the
   * detected format, or a tus error after having rejected the upload (which deletes its bytes).
   */
  checkContent(id: string, head: Buffer): Promise<{ format: string } | { error: TusError }>;
  /** The size of a completed upload whose bytes have left this store, or null. */
  completedSize(id: string): Promise<number | null>;
  /** The creation of an upload failed after the app had recorded it: the record must go. */
  creationFailed(id: string): Promise<void>;
  /** A deferred length has just been declared. */
  lengthDeclared(id: string, size: number): Promise<void>;
  /** An upload's bytes were deleted (tus termination among others), before the answer is sent. */
  removed(id: string): Promise<void>;
  /** The current expiry period, read on every request (settings change at runtime). */
  expiryMs(): number;
}

/**
 * How often the free space is read while bytes of an upload of undeclared size arrive: its
 * size was not checked against the reserve at creation, so its bytes are, about every this many.
 */
const UNDECLARED_CHECK_BYTES = 1024 * 1024;

/** What this process knows of an unfinished upload between its requests. */
interface UploadState {
  /** The format its first bytes were found to be. */
  format?: string;
  lastUsed: number;
}

/**
 * @tus/file-store, plus what the upload path needs while the bytes stream past: the content
 * check on the first bytes, larger disk writes (FileAppender), and the sha256 of every byte
 * written (UploadHasher, on its own thread).
 */
export class UploadFileStore extends FileStore {
  private readonly states = new Map<string, UploadState>();
  private readonly hasher = new UploadHasher();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly storage: UploadStorage,
    private readonly hooks: UploadStoreHooks,
  ) {
    const folder = storage.incomingDir;
    super({
      directory: folder,
      configstore: new CachedConfigstore(new FileConfigstore(folder)),
      expirationPeriodInMilliseconds: 1,
    });
    this.sweeper = setInterval(() => this.dropIdleStates(), IDLE_STATE_MS / 4).unref();
  }

  /** Where an upload's bytes are while it is unfinished. Ids are server-made UUIDs. */
  pathOf(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ERRORS.FILE_NOT_FOUND;
    return join(this.storage.incomingDir, id);
  }

  override getExpiration(): number {
    return this.hooks.expiryMs();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.states.clear();
    await this.hasher.close();
  }

  /**
   * A creation that fails (a full disk, typically) leaves nothing behind: not the empty file
   * or half-written record tus may have made, nor the app's row, which would otherwise be an
   * upload that HEAD and PATCH cannot find until it expires.
   */
  override async create(upload: TusUpload): Promise<TusUpload> {
    try {
      return await super.create(upload);
    } catch (error) {
      await this.discard(upload.id);
      // Should the database be away as well, the expiry sweep removes the row later.
      await this.hooks.creationFailed(upload.id).catch(() => undefined);
      throw (
        this.storage.fullDiskError(error, { uploadId: upload.id, during: 'creation' }, STORAGE_FULL_AT_CREATION) ??
        error
      );
    }
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
    const path = this.pathOf(id);
    const state = await this.stateAt(id, offset);
    let head = offset < SIGNATURE_BYTES ? await this.readHead(id, offset) : undefined;
    let rejection: TusError | undefined;
    // Bytes written since the free space was last read, for an upload whose size is not declared.
    let unchecked = (await this.declaredSize(id)) === undefined ? UNDECLARED_CHECK_BYTES : undefined;
    const checkRoom = async (chunks: Buffer[]): Promise<void> => {
      if (unchecked === undefined) return;
      const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      unchecked += bytes;
      if (unchecked < UNDECLARED_CHECK_BYTES) return;
      unchecked = 0;
      rejection = await this.storage.writeRefusal(id, Math.max(bytes, UNDECLARED_CHECK_BYTES));
      if (rejection) throw new Error(rejection.body);
    };

    const check = async (bytes: Buffer): Promise<void> => {
      const verdict = await this.hooks.checkContent(id, bytes);
      if ('error' in verdict) {
        rejection = verdict.error;
        throw new Error(verdict.error.body);
      }
      state.format = verdict.format;
    };

    const inspectHead = (chunks: Buffer[]): Promise<void> | undefined => {
      if (!head) return;
      for (const chunk of chunks) {
        head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)]);
        if (head.length === SIGNATURE_BYTES) break;
      }
      if (head.length < SIGNATURE_BYTES) return;
      const complete = head;
      head = undefined;
      return check(complete);
    };

    // Bytes on disk that the hashing thread has been told of.
    let hashed = offset;
    const appender: FileAppender = new FileAppender(path, offset, {
      // No byte past the signature window lands before the content check has passed.
      inspect: (chunks) =>
        unchecked === undefined ? inspectHead(chunks) : checkRoom(chunks).then(() => inspectHead(chunks)),
      written: (from, to) => {
        if (to - hashed < HASH_BATCH_BYTES) return;
        this.hasher.written(id, path, hashed, to);
        hashed = to;
      },
      // A file shorter than the signature window is checked once all of it has arrived.
      final: async () => {
        if (head && (await this.declaredSize(id)) === appender.position) await check(head);
      },
    });

    try {
      await pipeline(readable, appender);
    } catch (error) {
      if (rejection) throw rejection;
      // tus's own errors (a body over the declared length: 413) keep their status, and a
      // missing file is reported as such.
      if (isTusError(error) || (error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
      const context = { uploadId: id, during: 'write', receivedBytes: appender.position };
      throw this.storage.fullDiskError(error, context, STORAGE_FULL_WHILE_WRITING) ?? ERRORS.FILE_WRITE_ERROR;
    } finally {
      // What is on disk, even of a write that failed: it stays there, and the next write goes on from its end.
      this.hasher.written(id, path, hashed, appender.position);
    }
    state.lastUsed = Date.now();
    return appender.position;
  }

  /**
   * The sha256 and detected format of a complete upload, then forgets it. The hash is rebuilt
   * from the file when this process did not see every byte (a restart, or writes elsewhere).
   */
  async finish(id: string, size: number): Promise<{ sha256: string; format?: string }> {
    const sha256 = await this.hasher.digest(id, this.pathOf(id), size);
    const format = this.states.get(id)?.format;
    this.states.delete(id);
    return { sha256, format };
  }

  /** How many bytes of an unfinished upload are on disk, and their sha256 (see UploadHasher.received). */
  received(id: string): Promise<ReceivedBytes> {
    return this.hasher.received(id, this.pathOf(id));
  }

  /** Reads the first bytes of an upload, for checks after a restart. */
  readHead(id: string, length = SIGNATURE_BYTES): Promise<Buffer> {
    return readFileStart(this.pathOf(id), length);
  }

  /** tus DELETE: the bytes go, and the app hears of it (hooks.removed). */
  override async remove(id: string): Promise<void> {
    await this.removeBytes(id);
    await this.hooks.removed(id);
  }

  private async removeBytes(id: string): Promise<void> {
    this.states.delete(id);
    this.hasher.forget(id);
    await super.remove(id);
  }

  /**
   * A length declared late is held to the reserve as a declared size is at creation, counting
   * only the bytes still to come: from then on its bytes are no longer checked as they arrive.
   */
  override async declareUploadLength(id: string, length: number): Promise<void> {
    const received = await stat(this.pathOf(id)).then(
      (file) => file.size,
      () => 0,
    );
    const refusal = await this.storage.writeRefusal(id, length - received);
    if (refusal) throw refusal;
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
    const names = await readdir(this.storage.incomingDir).catch(() => [] as string[]);
    const present = new Set(names);
    let pruned = 0;
    for (const name of names) {
      if (!name.endsWith('.json') || present.has(name.slice(0, -5))) continue;
      const record = join(this.storage.incomingDir, name);
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

  /**
   * Deletes the incoming bytes and their tus record, if they are still there. The app's own
   * doing (it has recorded why already), so hooks.removed is not called.
   */
  async discard(id: string): Promise<void> {
    await this.removeBytes(id).catch(() => undefined);
    await this.configstore.delete(id).catch(() => undefined);
  }

  /** What is known of an upload about to be written at `offset`; after a restart, its format. */
  private async stateAt(id: string, offset: number): Promise<UploadState> {
    const state = this.states.get(id) ?? { lastUsed: Date.now() };
    if (!state.format && offset >= SIGNATURE_BYTES) {
      const verdict = await this.hooks.checkContent(id, await this.readHead(id));
      if ('error' in verdict) throw verdict.error;
      state.format = verdict.format;
    }
    this.states.set(id, state);
    return state;
  }

  private dropIdleStates(): void {
    const cutoff = Date.now() - IDLE_STATE_MS;
    for (const [id, state] of this.states) if (state.lastUsed < cutoff) this.states.delete(id);
  }
}
