import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { graphql } from '../api/graphql.js';
import { subscribe } from '../api/live.js';
import { CANCEL_IMPORT, IMPORT_JOB_UPDATED, JOB_FIELDS, RETRY_IMPORT, type ImportJob } from '../api/operations.js';
import type { FileRow, Phase } from './file-rows.js';

/**
 * How an import job shows on a file's row, whether the file was uploaded through this page or
 * imported in place from the server's import folder: one set of rules for both lists.
 */

const PHASE_OF_JOB: Record<ImportJob['status'], Phase> = {
  QUEUED: 'queued',
  RUNNING: 'importing',
  SUCCEEDED: 'imported',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

export const FINAL: Phase[] = ['imported', 'cancelled', 'refused'];

export function fromJob(row: FileRow, job: ImportJob): FileRow {
  return { ...row, job, phase: PHASE_OF_JOB[job.status], message: job.error ?? undefined };
}

/** How far a job has gone within one attempt; a retry starts again from QUEUED. */
const PROGRESS: Record<ImportJob['status'], number> = { QUEUED: 1, RUNNING: 2, SUCCEEDED: 3, FAILED: 3, CANCELLED: 3 };

/**
 * A job read by a query (or returned by a mutation) may be older than an update the
 * subscription delivered while the request was in flight: it never moves a row back.
 * Subscription updates arrive in order and always apply (a retry elsewhere included).
 */
export function fromJobRead(row: FileRow, job: ImportJob): FileRow {
  if (row.job?.id === job.id && PROGRESS[job.status] < PROGRESS[row.job.status]) return row;
  return fromJob(row, job);
}

/** Retry and Cancel of a row's import job, for every list of rows. */
export function jobActions(setRows: Dispatch<SetStateAction<FileRow[]>>) {
  const act = async (row: FileRow, operation: string) => {
    if (!row.job) return;
    try {
      const data = await graphql<Record<string, ImportJob>>(operation, { id: row.job.id });
      const job = Object.values(data)[0];
      // Unless an update has arrived meanwhile (it is newer than this answer).
      setRows((current) =>
        current.map((r) => (r.fileId === row.fileId && r.job?.status === row.job?.status ? fromJob(r, job) : r)),
      );
    } catch (error) {
      setRows((current) =>
        current.map((r) => (r.fileId === row.fileId ? { ...r, message: (error as Error).message } : r)),
      );
    }
  };

  return {
    retry: (row: FileRow) => act(row, RETRY_IMPORT),
    cancel: (row: FileRow) => act(row, CANCEL_IMPORT),
  };
}

const IMPORT_JOB = `query ImportJob($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`;

/** Updates kept for jobs the page does not show yet: enough to bridge one import request. */
const EARLY_UPDATES = 1000;

/**
 * Rows for import jobs this page started without an upload (the in-place importer): kept
 * current by `importJobUpdated`, and read again after the socket reconnects.
 */
export function useJobRows() {
  const [rows, setRows] = useState<FileRow[]>([]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  // An update may arrive before the mutation that created the job has answered: kept here, it
  // is applied when the row is added instead of being lost.
  const early = useRef(new Map<string, ImportJob>());

  useEffect(() => {
    const byJob = (job: ImportJob, apply: (row: FileRow, job: ImportJob) => FileRow) =>
      setRows((current) => current.map((row) => (row.job?.id === job.id ? apply(row, job) : row)));
    return subscribe<{ importJobUpdated: ImportJob }>(
      IMPORT_JOB_UPDATED,
      {},
      ({ importJobUpdated: job }) => {
        early.current.delete(job.id);
        early.current.set(job.id, job);
        if (early.current.size > EARLY_UPDATES) early.current.delete(early.current.keys().next().value!);
        byJob(job, fromJob);
      },
      () => {
        for (const row of rowsRef.current)
          if (row.job && !FINAL.includes(row.phase))
            void graphql<{ importJob: ImportJob | null }>(IMPORT_JOB, { id: row.job.id }).then(
              ({ importJob }) => importJob && byJob(importJob, fromJobRead),
              // The next reconnect or update tries again; the row keeps what it showed.
              () => undefined,
            );
      },
    );
  }, []);

  /** Adds a row per job, named as the user knows the file. */
  const add = useCallback((jobs: { job: ImportJob; name: string }[]) => {
    const added = jobs.map(({ job, name }) => {
      const row = fromJob({ fileId: `job-${job.id}`, name, phase: 'queued', percent: 0 }, job);
      const newer = early.current.get(job.id);
      return newer ? fromJobRead(row, newer) : row;
    });
    setRows((current) => [...current, ...added]);
  }, []);

  return { rows, add, ...jobActions(setRows) };
}
