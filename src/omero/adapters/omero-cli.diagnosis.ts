import { connect } from 'node:net';
import { basename } from 'node:path';
import { importCancelled, OmeroImportError, type ImportErrorCode } from '../omero-gateway.port.js';
import type { CliImportJob } from './omero-cli.job.js';
import { boundLog, type ImportedIds } from './omero-cli.output.js';
import type { GroupOutcome } from './process-group.js';

/**
 * Why an importer run failed, in words a user can act on (OmeroImportError.message) and a code
 * the import worker retries by. What the importer prints for each failure is in docs/omero.md;
 * exit code 0 does not mean success ("No imports due to errors!", a failed fileset under -c).
 */

/** The administrator named for sudo imports could not sign in: theirs to fix. */
export const SUDO_REFUSED =
  "OMERO refused the import administrator's sign-in. An administrator must check OMERO_SUDO_USER and OMERO_SUDO_PASSWORD.";

/** How long the OMERO server's port is tried when the importer blames the session key. */
const REACHABLE_TIMEOUT_MS = 3000;

/** One run of the importer, with what the failure analysis needs. */
export interface Attempt {
  job: CliImportJob;
  phase: 'switch-group' | 'import';
  outcome: GroupOutcome;
  /** Everything the importer said, secrets removed. */
  text: string;
  ids: ImportedIds;
  errorCount: number | null;
}

/** Where the importer was told to connect, and what it is: named in the log only. */
export interface ImporterSetup {
  cliPath: string;
  host: string;
  port: number;
}

/** `message` is for the user; the importer's output and the diagnosis's detail, for administrators. */
export async function failure(attempt: Attempt, setup: ImporterSetup): Promise<OmeroImportError> {
  const { code, message, detail } = await diagnose(attempt, setup);
  return new OmeroImportError(code, message, boundLog([detail, attempt.text].filter(Boolean).join('\n')));
}

async function diagnose(attempt: Attempt, setup: ImporterSetup): Promise<Diagnosis> {
  const { job, outcome, text } = attempt;
  const file = basename(job.path);
  const server = `${setup.host}:${setup.port}`;
  if (outcome.stopped === 'cancelled') return { code: 'CANCELLED', message: importCancelled(file).message };
  if (outcome.stopped === 'timeout') {
    return {
      code: 'TIMEOUT',
      message: `Importing ${file} took longer than ${formatDuration(job.timeoutMs)} and was stopped. Try again, or ask an administrator to allow imports more time.`,
    };
  }
  if (outcome.spawnError) {
    return {
      code: 'IMPORT_FAILED',
      message: 'The OMERO importer could not be started on the import server. Tell an administrator.',
      detail: `The OMERO importer "${setup.cliPath}" could not be started (${outcome.spawnError.code ?? outcome.spawnError.message}). Install omero-py on this machine or set OMERO_CLI to its path.`,
    };
  }
  if (/Bad session key|Cannot join/.test(text)) {
    // With -k, omero-py reports an unreachable server as a bad key too: look for ourselves.
    if (!(await reachable(setup.host, setup.port))) return unavailable(server);
    return {
      code: 'SESSION_EXPIRED',
      message: 'Your OMERO session has expired. Sign in again, then retry the import.',
    };
  }
  if (
    /ConnectionRefusedException|ConnectTimeoutException|ConnectionLostException|DNSException|isn't running/.test(text)
  ) {
    return unavailable(server);
  }
  return IMPORT_RULES.find((rule) => rule.matches(attempt))!.diagnose(attempt);
}

/** `detail` names what users must not read (addresses, commands): it goes to the log only. */
type Diagnosis = { code: ImportErrorCode; message: string; detail?: string };

/**
 * The failures the importer itself reports, once connection problems are ruled out: the first
 * rule that matches names the failure. Order matters: a cause found in the log beats the exit
 * code, and exit 0 is judged last.
 */
const IMPORT_RULES: { matches: (attempt: Attempt) => boolean; diagnose: (attempt: Attempt) => Diagnosis }[] = [
  {
    matches: ({ text }) => /incorrect password attempts|Password check failed|cannot request password/.test(text),
    diagnose: () => failed(SUDO_REFUSED),
  },
  {
    matches: ({ text }) => /No row with the given identifier exists/.test(text),
    diagnose: ({ job }) => ({
      code: 'TARGET_NOT_FOUND',
      message: `${targetOf(job)} does not exist in OMERO (any more). Pick another target.`,
    }),
  },
  {
    matches: ({ text }) => /SecurityViolation|cannot link|not linkable/i.test(text),
    diagnose: ({ job, phase }) => ({
      code: 'NO_PERMISSION',
      message:
        phase === 'switch-group'
          ? `OMERO did not let you work in group ${job.target.groupId}: you are probably not a member of it. Pick a target in one of your groups.`
          : `OMERO did not let you import into ${targetOf(job)}: you may not link images to it. Pick a dataset or screen you may link to, or ask its owner.`,
    }),
  },
  {
    matches: ({ text }) =>
      /UnknownFormatException|loci\.formats\.\w*Exception|Unknown file format|No imports found/.test(text),
    diagnose: ({ job }) => ({
      code: 'UNREADABLE_FILE',
      message: `OMERO cannot read ${basename(job.path)}: Bio-Formats does not recognise it, or the file is damaged. Check that it opens in Fiji, or convert it (for example to OME-TIFF).`,
    }),
  },
  {
    // docs/omero.md, "How a failure is named": exit 3 is a cleanup failure of a *_rm transfer, so the import itself ran, but
    // its success rule (exit 0, ids, 0 errors) does not hold: the images may well exist, and a
    // retry would import them twice. Hence a permanent failure of its own, not IMPORT_FAILED.
    matches: ({ outcome }) => outcome.code === 3,
    diagnose: ({ job, ids }) => ({
      code: 'CLEANUP_FAILED',
      message: `OMERO imported ${basename(job.path)}${describeIds(ids)} but could not delete the uploaded copy afterwards (a cleanup failure), so the images may already be in OMERO. Check the target in OMERO before importing this file again, or they will be there twice.`,
    }),
  },
  {
    matches: ({ text }) => /No imports due to errors!/.test(text),
    diagnose: ({ job }) =>
      failed(
        `The OMERO importer could not import ${basename(job.path)} ("No imports due to errors!"). The importer's log, which administrators can read, has the cause.`,
      ),
  },
  {
    matches: ({ outcome, errorCount }) => outcome.code === 0 && (errorCount ?? 0) > 0,
    diagnose: ({ job, ids, errorCount }) =>
      failedAfter(
        ids,
        `The OMERO importer reported ${errorCount} error(s) while importing ${basename(job.path)}${describeIds(ids)}. The importer's log, which administrators can read, has the cause.`,
      ),
  },
  {
    matches: ({ outcome, ids }) => outcome.code === 0 && ids.imageIds.length + ids.plateIds.length === 0,
    diagnose: ({ job }) =>
      failed(
        `The OMERO importer finished without creating any image from ${basename(job.path)}. The importer's log, which administrators can read, has the cause.`,
      ),
  },
  {
    matches: ({ outcome }) => outcome.code === 0,
    diagnose: ({ job, ids }) =>
      failedAfter(
        ids,
        `The OMERO importer gave no summary for ${basename(job.path)}${describeIds(ids)}, so its success is not certain.`,
      ),
  },
  {
    matches: () => true,
    diagnose: ({ job, outcome }) => {
      const how = outcome.code === null ? `was killed by ${outcome.signal}` : `failed with exit code ${outcome.code}`;
      return failed(
        `The OMERO importer ${how} while importing ${basename(job.path)}. The importer's log, which administrators can read, has the cause.`,
      );
    },
  },
];

function failed(message: string): Diagnosis {
  return { code: 'IMPORT_FAILED', message };
}

/**
 * A failure after which the importer named images or plates: they may exist in OMERO, and a
 * retry would import them twice, so it is not retried (INCOMPLETE_IMPORT, permanent).
 */
function failedAfter(ids: ImportedIds, message: string): Diagnosis {
  if (ids.imageIds.length + ids.plateIds.length === 0) return failed(message);
  return {
    code: 'INCOMPLETE_IMPORT',
    message: `${message} Some images may already be in OMERO: check the target before importing this file again.`,
  };
}

function targetOf(job: CliImportJob): string {
  return `${job.target.type === 'DATASET' ? 'Dataset' : 'Screen'} ${job.target.id}`;
}

/** docs/omero.md, "What it prints": success is exit 0 AND at least one Image or Plate id AND 0 errors in the summary. */
export function succeeded({ outcome, ids, errorCount }: Attempt): boolean {
  const created = ids.imageIds.length + ids.plateIds.length > 0;
  return !outcome.stopped && outcome.code === 0 && created && errorCount === 0;
}

function unavailable(server: string): Diagnosis {
  return {
    code: 'OMERO_UNAVAILABLE',
    message: 'The OMERO server cannot be reached. The import can be retried once it is back.',
    detail: `The OMERO server ${server} cannot be reached.`,
  };
}

function describeIds(ids: ImportedIds): string {
  const parts = [
    ids.imageIds.length > 0 ? `image ${ids.imageIds.join(', ')}` : '',
    ids.plateIds.length > 0 ? `plate ${ids.plateIds.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` (OMERO created ${parts.join('; ')})` : '';
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** Whether anything accepts TCP connections at host:port. */
function reachable(host: string, port: number, ms = REACHABLE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
