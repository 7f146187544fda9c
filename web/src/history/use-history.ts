import { useCallback, useEffect, useRef, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { subscribe } from '../api/live.js';
import type { ImportJob } from '../api/operations.js';
import {
  HISTORY_JOB_UPDATED,
  HISTORY_PAGE_SIZE,
  IMPORT_HISTORY,
  UPLOAD_HISTORY,
  type HistoryJob,
  type HistoryUpload,
  type Source,
} from './history-operations.js';

export interface HistoryPage {
  source: Source;
  jobs: HistoryJob[];
  uploads: HistoryUpload[];
  total: number;
  admin: boolean;
}

export type HistoryLoad =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; page: HistoryPage };

type JobChange = ImportJob & Partial<HistoryJob>;

/**
 * The page with `job` applied, or undefined when the page does not hold it. With `unlessMovedFrom`
 * (a mutation's answer) the job applies only if it is still in the status it had when the user
 * acted: an update the subscription delivered meanwhile is newer than the answer.
 */
function withJob(page: HistoryPage, job: JobChange, unlessMovedFrom?: string): HistoryPage | undefined {
  const merge = (current: HistoryJob): HistoryJob =>
    unlessMovedFrom && current.status !== unlessMovedFrom ? current : { ...current, ...job };
  if (page.source === 'imports') {
    if (!page.jobs.some((row) => row.id === job.id)) return undefined;
    return { ...page, jobs: page.jobs.map((row) => (row.id === job.id ? merge(row) : row)) };
  }
  if (!page.uploads.some((row) => row.id === job.uploadId)) return undefined;
  return {
    ...page,
    uploads: page.uploads.map((row) =>
      row.id === job.uploadId ? { ...row, importJob: row.importJob ? merge(row.importJob) : (job as HistoryJob) } : row,
    ),
  };
}

/**
 * One page of the user's imports or uploads, newest first, with a status filter. Kept current
 * by `importJobUpdated`: a job on the page changes in place; a job the page does not hold (new,
 * or started elsewhere) reloads the page quietly, as does a reconnect (updates may be missed).
 */
export function useHistory(source: Source, status: string | undefined, pageIndex: number) {
  const [load, setLoad] = useState<HistoryLoad>({ state: 'loading' });
  const loadRef = useRef(load);
  loadRef.current = load;
  const request = useRef(0);

  const fetchPage = useCallback(
    async (quiet: boolean) => {
      const mine = ++request.current;
      if (!quiet) setLoad({ state: 'loading' });
      const variables = { limit: HISTORY_PAGE_SIZE, offset: pageIndex * HISTORY_PAGE_SIZE, status: status ?? null };
      try {
        const page: HistoryPage =
          source === 'imports'
            ? await graphql<{ importJobs: HistoryJob[]; importJobCount: number; me: { roles: string[] } }>(
                IMPORT_HISTORY,
                variables,
              ).then((data) => ({
                source,
                jobs: data.importJobs,
                uploads: [],
                total: data.importJobCount,
                admin: data.me.roles.includes('admin'),
              }))
            : await graphql<{ uploads: HistoryUpload[]; uploadCount: number; me: { roles: string[] } }>(
                UPLOAD_HISTORY,
                variables,
              ).then((data) => ({ source, jobs: [], uploads: data.uploads, total: data.uploadCount, admin: false }));
        if (mine === request.current) setLoad({ state: 'ready', page });
      } catch (error) {
        // A quiet reload that fails keeps what is shown; the next update or reconnect tries again.
        if (mine === request.current && !quiet) setLoad({ state: 'error', message: (error as Error).message });
      }
    },
    [source, status, pageIndex],
  );

  useEffect(() => {
    void fetchPage(false);
    return subscribe<{ importJobUpdated: HistoryJob }>(
      HISTORY_JOB_UPDATED,
      {},
      ({ importJobUpdated: job }) => {
        const current = loadRef.current;
        if (current.state !== 'ready') return;
        const next = withJob(current.page, job);
        if (next) setLoad({ state: 'ready', page: next });
        else void fetchPage(true);
      },
      () => void fetchPage(true),
    );
  }, [fetchPage]);

  /** A job as a mutation (Retry, Cancel) answered it. */
  const applyAnswer = (job: ImportJob, statusWhenAsked: string) =>
    setLoad((current) => {
      if (current.state !== 'ready') return current;
      const next = withJob(current.page, job, statusWhenAsked);
      return next ? { state: 'ready', page: next } : current;
    });

  return { load, reload: () => void fetchPage(false), applyAnswer };
}
