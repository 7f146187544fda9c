import { ImportTargetType } from '../common/import-target-type.js';
import { AppError, ErrorCode, type ClientFacingError } from '../common/errors/app-error.js';

/**
 * The one door to OMERO. The rest of the app asks this port for groups, import targets and
 * imports, and never knows whether a real OMERO server (the command-line importer and the
 * OMERO.web JSON API) or the sandbox answers. See docs/omero.md for what a real server does.
 */

export { ImportTargetType };

/** Who an operation runs as: the app's user, and what OMERO knows of them. */
export interface OmeroUser {
  /** The app's user id. */
  id: string;
  /** The OMERO user name (with OMERO sign-in, the same as the app's). */
  username: string;
  /** An OMERO session key from sign-in, when the adapter works with user sessions. */
  sessionKey?: string;
  /** An administrator of the app (the sandbox lets them see every image, as OMERO's do). */
  admin?: boolean;
}

/** A small picture of an image, as OMERO.web or the sandbox renders it. */
export interface Thumbnail {
  /** image/jpeg or image/png */
  contentType: string;
  /** Streamed from OMERO.web, or a small buffer rendered here. */
  body: Buffer | NodeJS.ReadableStream;
  /** Whether it shows the image (false: a placeholder for a file that cannot be drawn). */
  rendered: boolean;
}

export interface OmeroGroup {
  id: string;
  name: string;
}

export interface ImportTarget {
  id: string;
  name: string;
  type: ImportTargetType;
  groupId: string;
  /** The project a dataset belongs to (null for orphaned datasets and for screens). */
  projectName: string | null;
  /** Whether OMERO lets this user link (import) into it. */
  canLink: boolean;
}

/** The result of a sign-in that OMERO accepted. */
export interface OmeroSignIn {
  /** OMERO's id of the user (its event context's userId): who they are, whatever their name. */
  userId: number;
  /** Their name, exactly as OMERO spells it. */
  username: string;
  isAdmin: boolean;
  sessionKey?: string;
  groups: OmeroGroup[];
}

export type Transfer = 'upload_rm' | 'upload' | 'ln_s';

export interface ImportRequest {
  user: OmeroUser;
  /** Absolute path of the file to import. */
  path: string;
  /** upload_rm for uploaded copies (OMERO deletes the source after success); ln_s in place. */
  transfer: Transfer;
  target: { type: ImportTargetType; id: string; groupId: string };
  /** Aborting it cancels the import: nothing may be left running. */
  signal: AbortSignal;
  timeoutMs: number;
  /**
   * The same for every attempt of one import (the job's id): an adapter that can uses it to
   * finish what an interrupted attempt began rather than fail or import twice.
   */
  importKey?: string;
}

export interface ImportResult {
  imageIds: string[];
  plateIds: string[];
  filesetId: string | null;
  /** What the importer said, for people diagnosing an import. */
  log: string;
}

/**
 * Why an import failed. `permanent` failures (an unreadable file, no permission) are not
 * retried; the others (OMERO unreachable, a timeout, an expired session) may succeed later.
 * CLEANUP_FAILED is permanent although nothing is wrong with the file: OMERO created the images
 * and only the removal of the source failed, so a retry would import them a second time.
 */
export type ImportErrorCode =
  | 'UNREADABLE_FILE'
  | 'NO_PERMISSION'
  | 'TARGET_NOT_FOUND'
  | 'SESSION_EXPIRED'
  | 'OMERO_UNAVAILABLE'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'CLEANUP_FAILED'
  | 'INCOMPLETE_IMPORT'
  | 'IMPORT_FAILED';

const PERMANENT: ReadonlySet<ImportErrorCode> = new Set([
  'UNREADABLE_FILE',
  'NO_PERMISSION',
  'TARGET_NOT_FOUND',
  'CANCELLED',
  'CLEANUP_FAILED',
  'INCOMPLETE_IMPORT',
]);

export class OmeroImportError extends Error {
  readonly permanent: boolean;

  constructor(
    readonly code: ImportErrorCode,
    message: string,
    readonly log = '',
  ) {
    super(message);
    this.name = 'OmeroImportError';
    this.permanent = PERMANENT.has(code);
  }
}

/** The one way a cancelled import is reported, by every adapter and the import worker. */
export function importCancelled(fileName?: string): OmeroImportError {
  const what = fileName === undefined ? 'The import' : `The import of ${fileName}`;
  return new OmeroImportError('CANCELLED', `${what} was cancelled.`);
}

/** What a user reads when OMERO cannot be reached: no address, nothing to configure. */
export const OMERO_UNREACHABLE =
  'OMERO cannot be reached right now. Try again in a few minutes, and tell your OMERO administrator if it lasts.';

/**
 * Thrown by list and sign-in calls when OMERO cannot be reached. An import error too, so that
 * an import job meeting it while it checks its target is retried like any unreachable OMERO.
 * `detail` (OMERO.web's address, what an administrator should check) is for the log and the
 * job's importer log; `message`, what users read, names no address.
 */
export class OmeroUnavailableError extends OmeroImportError implements ClientFacingError {
  constructor(
    readonly detail: string,
    message = 'OMERO cannot be reached right now. The import can be retried once it is back; tell your OMERO administrator if it lasts.',
  ) {
    super('OMERO_UNAVAILABLE', message, detail);
    this.name = 'OmeroUnavailableError';
  }

  get logDetail(): string {
    return this.detail;
  }

  /** A request meeting it: wait for OMERO to be back (the message about retrying imports is for jobs). */
  toAppError(): AppError {
    return new AppError(ErrorCode.SERVICE_UNAVAILABLE, OMERO_UNREACHABLE);
  }
}

/**
 * Thrown by list calls when OMERO no longer accepts the user's session (it expired, was closed,
 * or the user never had one here); an import reports the same as SESSION_EXPIRED. Unlike
 * OmeroUnavailableError, waiting does not cure it: the user must sign in again, which opens a
 * new session.
 */
export class OmeroSessionExpiredError extends OmeroImportError implements ClientFacingError {
  constructor(message = 'Your OMERO session has expired. Sign in again to continue.') {
    super('SESSION_EXPIRED', message);
    this.name = 'OmeroSessionExpiredError';
  }

  /** A request meeting it: sign in again. */
  toAppError(): AppError {
    return new AppError(ErrorCode.UNAUTHENTICATED, this.message);
  }
}

export type SessionState = 'alive' | 'ended' | 'unknown';

export abstract class OmeroGateway {
  /** 'sandbox' targets are labelled as such in the UIs. */
  abstract readonly kind: 'omero' | 'sandbox';

  /** Checks OMERO credentials; null when OMERO says they are wrong. */
  abstract signIn(username: string, password: string): Promise<OmeroSignIn | null>;

  /** The groups the user belongs to. */
  abstract listGroups(user: OmeroUser): Promise<OmeroGroup[]>;

  /** Datasets (with their project names) or screens of one group, with canLink for this user. */
  abstract listTargets(user: OmeroUser, groupId: string, type: ImportTargetType): Promise<ImportTarget[]>;

  /** Imports one file as the user; throws OmeroImportError on failure. */
  abstract importFile(request: ImportRequest): Promise<ImportResult>;

  /**
   * A thumbnail of an image at most `size` pixels on its longer side, or null when the image
   * does not exist or the user may not see it (OMERO answers both alike).
   */
  abstract renderThumbnail(user: OmeroUser, imageId: string, size: number): Promise<Thumbnail | null>;

  /** Where a person opens the image in OMERO.web; null without OMERO.web (the sandbox). */
  imageWebUrl(imageId: string): string | null {
    void imageId;
    return null;
  }

  /**
   * Joins the user's OMERO session so that OMERO does not end it for idleness while their
   * imports wait (10 minutes idle by default). 'ended': OMERO no longer knows the session (or
   * none is kept here), and only signing in again helps; 'unknown': OMERO could not be asked.
   * Adapters without user sessions (the sandbox) answer 'alive'.
   */
  keepSessionAlive(user: OmeroUser): Promise<SessionState> {
    void user;
    return Promise.resolve('alive');
  }

  /**
   * Whether an earlier attempt of this import (its importKey) took the source file already and
   * importFile can finish without it: a source gone for that reason is no reason to fail.
   */
  tookSourceOf(importKey: string): Promise<boolean> {
    void importKey;
    return Promise.resolve(false);
  }
}
