import { access, constants } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { OmeroImportError, type ImportTargetType, type Transfer } from '../omero-gateway.port.js';

/** How the importer signs in to OMERO. */
export type CliLogin =
  /** As the user, joining the session from their sign-in. */
  | { mode: 'session'; sessionKey: string }
  /** As the user, through an administrator's credentials (`--sudo`). */
  | { mode: 'sudo'; adminUser: string; adminPassword: string; username: string; groupName: string };

/** One file for the command-line importer, and everything its command line is made of. */
export interface CliImportJob {
  login: CliLogin;
  /** Absolute path of the file to import. */
  path: string;
  transfer: Transfer;
  target: { type: ImportTargetType; id: string; groupId: string };
  signal: AbortSignal;
  timeoutMs: number;
}

/** Refuses a job whose values would not reach the importer as the values they are. */
export function checkJob(job: CliImportJob): void {
  if (!isAbsolute(job.path)) {
    throw new OmeroImportError(
      'IMPORT_FAILED',
      'The file to import could not be located on the import server. Tell an administrator.',
      `The import path must be absolute, not "${job.path}".`,
    );
  }
  // All of these go on the command line, where a value starting with "-" would be read as an option.
  for (const [what, id] of [
    ['target', job.target.id],
    ['group', job.target.groupId],
  ]) {
    if (!/^\d+$/.test(id)) {
      throw new OmeroImportError(
        'TARGET_NOT_FOUND',
        `"${id}" is not an OMERO ${what} id. Pick a target from the list.`,
      );
    }
  }
  if (job.login.mode === 'session' && !/^[0-9A-Za-z][\w-]*$/.test(job.login.sessionKey)) {
    throw new OmeroImportError(
      'SESSION_EXPIRED',
      'Your OMERO session is not valid. Sign in again, then retry the import.',
    );
  }
  if (job.login.mode === 'sudo') {
    const { adminUser, username, groupName } = job.login;
    const unsafe = [adminUser, username, groupName].find((value) => value === '' || value.startsWith('-'));
    if (unsafe !== undefined) {
      throw new OmeroImportError('IMPORT_FAILED', `"${unsafe}" cannot be passed to the OMERO importer as a name.`);
    }
  }
}

export async function checkReadable(job: CliImportJob): Promise<void> {
  try {
    await access(job.path, constants.R_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new OmeroImportError('UNREADABLE_FILE', `${basename(job.path)} ${reason} on the import server.`);
  }
}

/** What must never appear in a log: the session key, or the administrator's password. */
export function secretsOf(job: CliImportJob): string[] {
  return job.login.mode === 'session' ? [job.login.sessionKey] : [job.login.adminPassword];
}
