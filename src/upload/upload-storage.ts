import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Environment } from '../environment/environment.js';
import { formatBytes } from './format-bytes.js';
import { type TusError, tusError } from './tus-error.js';

const MIB = 1024 * 1024;
const HEALTH_TIMEOUT_MS = 2000;

/** The codes a file system answers when it has no room left: blocks or inodes (ENOSPC), or a quota (EDQUOT). */
const FULL_DISK_CODES = new Set(['ENOSPC', 'EDQUOT']);

// Not `instanceof Error`: errors from Node's own modules may come from another realm (a VM context).
export const isDiskFull = (error: unknown): error is NodeJS.ErrnoException =>
  typeof error === 'object' && error !== null && FULL_DISK_CODES.has(String((error as NodeJS.ErrnoException).code));

/** HTTP 507 Insufficient Storage: the server, not the request, is what cannot go on. */
const INSUFFICIENT_STORAGE = 507;
const ASK = 'Try again later, or ask an administrator to free space on the server.';

/** What a client is told when the disk filled up while its bytes arrived. */
export const STORAGE_FULL_WHILE_WRITING = `The server's storage is full, so this upload is paused. The part of the file received so far is kept: resume the upload later and it continues from there. ${ASK}`;

/** What a client is told when a creation met a full disk. */
export const STORAGE_FULL_AT_CREATION = `The server's storage is full, so this upload could not start. Nothing was stored. ${ASK}`;

export interface StorageHealth {
  /** low: less than the reserve is free, so new uploads are refused; unknown: the space could not be read. */
  status: 'ok' | 'low' | 'unknown';
  freeBytes?: number;
  totalBytes?: number;
  reserveBytes: number;
}

/**
 * The volume that holds uploads (DATA_DIR/uploads; every instance shares it). Free space is
 * read with statfs when needed, never cached: other instances, the database (in DATA_DIR when
 * embedded) and other programs fill the same volume. UPLOAD_DISK_RESERVE_MB stays free for
 * the uploads already under way and for everything else that writes there.
 */
@Injectable()
export class UploadStorage {
  private readonly logger = new Logger(UploadStorage.name);
  readonly reserveBytes: number;
  /** Where unfinished uploads are; completed ones are hard-linked from here into the same volume. */
  readonly incomingDir: string;

  constructor(@Inject(Environment) env: Environment) {
    this.reserveBytes = env.UPLOAD_DISK_RESERVE_MB * MIB;
    this.incomingDir = join(env.dataDir, 'uploads', 'incoming');
    mkdirSync(this.incomingDir, { recursive: true });
  }

  /** Bytes an unprivileged writer may still use (bavail: root's reserved blocks are not ours), and the size. */
  async space(): Promise<{ freeBytes: number; totalBytes: number }> {
    const stats = await statfs(this.incomingDir);
    return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
  }

  /**
   * The 507 for a new upload of `size` bytes (undefined: declared later) that would leave less
   * than the reserve free, or undefined when it fits. Uploads of unknown size are refused only
   * once the reserve is reached; their bytes are checked as they arrive (`writeRefusal`).
   */
  async creationRefusal(size: number | undefined): Promise<TusError | undefined> {
    const { freeBytes } = await this.space();
    if (freeBytes - (size ?? 0) >= this.reserveBytes) return undefined;
    return tusError(
      INSUFFICIENT_STORAGE,
      size === undefined || freeBytes < this.reserveBytes
        ? `The server's storage is nearly full, so no new upload can start now. Nothing was stored. ${ASK}`
        : `This file (${formatBytes(size)}) is larger than the space the server can give it now. Nothing was stored. ${ASK}`,
    );
  }

  /** The 507 when writing `bytes` more would leave less than the reserve free (for uploads of undeclared size). */
  async writeRefusal(uploadId: string, bytes: number): Promise<TusError | undefined> {
    const { freeBytes } = await this.space();
    if (freeBytes - bytes >= this.reserveBytes) return undefined;
    this.logger.warn({ event: 'upload_reserve_reached', uploadId, freeBytes, reserveBytes: this.reserveBytes });
    return tusError(INSUFFICIENT_STORAGE, STORAGE_FULL_WHILE_WRITING);
  }

  /**
   * If `error` is the file system being full, logs it under its own code (ENOSPC), which is
   * what an administrator searches for, and returns the 507 the client gets: `message` says
   * what became of its bytes. Undefined for any other error.
   */
  fullDiskError(error: unknown, context: Record<string, unknown>, message: string): TusError | undefined {
    if (!isDiskFull(error)) return undefined;
    this.logger.error({ event: 'upload_storage_full', code: error.code, detail: error.message, ...context });
    return tusError(INSUFFICIENT_STORAGE, message);
  }

  /** For /api/health: low once less than the reserve is free, which is when new uploads are refused. */
  async health(): Promise<StorageHealth> {
    try {
      // A hung network volume must not hang health with it: it then reports `unknown`.
      const { freeBytes, totalBytes } = await Promise.race([
        this.space(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), HEALTH_TIMEOUT_MS).unref()),
      ]);
      return {
        status: freeBytes < this.reserveBytes ? 'low' : 'ok',
        freeBytes,
        totalBytes,
        reserveBytes: this.reserveBytes,
      };
    } catch {
      return { status: 'unknown', reserveBytes: this.reserveBytes };
    }
  }
}
