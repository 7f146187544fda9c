import { Inject, Injectable } from '@nestjs/common';
import type { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { Environment } from '../environment/environment.js';

export interface ServerFile {
  path: string;
  name: string;
  isDirectory: boolean;
  sizeBytes: number | null;
}

export interface ResolvedServerPath {
  /** The real path, links resolved, inside the import folder. */
  absolute: string;
  /** Relative to the import folder, with forward slashes. */
  relative: string;
  stats: Stats;
}

/**
 * The in-place importer's view of IMPORT_ROOT. Every path is resolved to its real location,
 * links included, and refused unless that location is inside the root: `..`, absolute paths
 * and links pointing out all end the same way.
 */
@Injectable()
export class ServerFilesService {
  constructor(@Inject(Environment) private readonly env: Environment) {}

  async list(path = ''): Promise<ServerFile[]> {
    const folder = await this.resolve(path);
    if (!folder.stats.isDirectory())
      throw new AppError(ErrorCode.BAD_USER_INPUT, `${folder.relative} is a file, not a folder.`);
    const root = await this.realRoot();
    const entries = await readdir(folder.absolute, { withFileTypes: true });
    const files: ServerFile[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const absolute = join(folder.absolute, entry.name);
      // A link is shown only if it stays inside the root; a broken one is not shown at all.
      const real = await realpath(absolute).catch(() => null);
      if (!real || !inside(root, real)) continue;
      const stats = await stat(real).catch(() => null);
      if (!stats || !(stats.isFile() || stats.isDirectory())) continue;
      files.push({
        path: posix.join(folder.relative, entry.name),
        name: entry.name,
        isDirectory: stats.isDirectory(),
        sizeBytes: stats.isFile() ? stats.size : null,
      });
    }
    return files.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
  }

  /** A path inside the import folder, or an error saying why not. */
  async resolve(path: string): Promise<ResolvedServerPath> {
    // An absolute path is not echoed: it would be a path of this server in an answer.
    if (path.startsWith('/')) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'Absolute paths are not accepted: give a path relative to the import folder, as serverFiles lists them.',
      );
    }
    if (path.includes('\0') || path.includes('\\')) {
      throw new AppError(ErrorCode.FORBIDDEN, `"${printable(path)}" is not a path inside the import folder.`);
    }
    const root = await this.realRoot();
    const wanted = join(root, posix.normalize(path || '.'));
    if (!inside(root, wanted)) {
      throw new AppError(ErrorCode.FORBIDDEN, `"${printable(path)}" is outside the import folder.`);
    }
    let real: string;
    try {
      real = await realpath(wanted);
    } catch {
      throw new AppError(ErrorCode.NOT_FOUND, `There is no "${printable(path)}" in the import folder.`);
    }
    if (!inside(root, real)) {
      throw new AppError(ErrorCode.FORBIDDEN, `"${printable(path)}" leads outside the import folder.`);
    }
    return { absolute: real, relative: relative(root, wanted).split(sep).join('/'), stats: await stat(real) };
  }

  private async realRoot(): Promise<string> {
    const root = this.env.importRoot;
    if (!root) {
      throw new AppError(
        ErrorCode.NOT_FOUND,
        'The in-place importer is not set up here: ask an administrator to set IMPORT_ROOT.',
      );
    }
    return realpath(root).catch(() => {
      throw new AppError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'The import folder cannot be read right now; tell an administrator.',
      );
    });
  }
}

function inside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** For messages: a user's path without control characters, bounded. */
function printable(path: string): string {
  return path.replace(/[\p{Cc}]/gu, '?').slice(0, 200);
}
