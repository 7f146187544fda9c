import { useEffect, useRef, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { CANCEL_IMPORT, RETRY_IMPORT, type ImportJob } from '../api/operations.js';
import { ErrorWithRetry } from '../targets/target-picker.js';
import { entryOfJob, entryOfUpload, type Entry } from './history-entries.js';
import {
  HISTORY_PAGE_SIZE,
  IMPORT_FILTERS,
  UPLOAD_FILTERS,
  type Filter,
  type HistoryJob,
  type Source,
} from './history-operations.js';
import { HistoryRow } from './history-row.js';
import { describeTarget, useTargetNames } from './target-names.js';
import { useHistory, type HistoryPage as Page } from './use-history.js';

function entriesOf(page: Page): Entry[] {
  return page.source === 'imports' ? page.jobs.map(entryOfJob) : page.uploads.map(entryOfUpload);
}

function emptyText(source: Source, filter: Filter<string>): string {
  const what = source === 'imports' ? 'imports' : 'uploads';
  return filter.status
    ? `No ${what} in “${filter.label}”. Choose “All” to see the others.`
    : `No ${what} yet. Files you upload, here or through the API, appear here.`;
}

/** A set of radio buttons drawn as chips: one choice, arrow keys move between them. */
function Chips<T>({
  legend,
  name,
  options,
  value,
  onChange,
}: {
  legend: string;
  name: string;
  options: { label: string; value: T }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <fieldset className="chips">
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option.label}>
          <input type="radio" name={name} checked={option.value === value} onChange={() => onChange(option.value)} />
          <span>{option.label}</span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * History: the user's imports and uploads, newest first, whichever browser or script started
 * them, with status filters, paging, Retry and Cancel, and live status.
 */
export default function HistoryPage() {
  const [source, setSource] = useState<Source>('imports');
  const [filterIndex, setFilterIndex] = useState(0);
  const [pageIndex, setPageIndex] = useState(0);
  const filters: Filter<string>[] = source === 'imports' ? IMPORT_FILTERS : UPLOAD_FILTERS;
  const filter = filters[filterIndex] ?? filters[0];
  const { load, reload, applyAnswer } = useHistory(source, filter.status, pageIndex);
  const [busy, setBusy] = useState(new Set<string>());
  const [actionErrors, setActionErrors] = useState(new Map<string, string>());
  const [announcement, setAnnouncement] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const entries = load.state === 'ready' ? entriesOf(load.page) : [];
  const names = useTargetNames(entries.map((entry) => entry.target));

  // Arriving here (from the navigation or a link) puts the reader at the top of History.
  useEffect(() => heading.current?.focus(), []);

  // Says when a row's status changes under the reader's eyes (the subscription, a Retry).
  const seen = useRef(new Map<string, string>());
  useEffect(() => {
    const now = load.state === 'ready' ? entriesOf(load.page) : [];
    const changes = now.filter((entry) => {
      const before = seen.current.get(entry.key);
      return before !== undefined && before !== entry.status;
    });
    seen.current = new Map(now.map((entry) => [entry.key, entry.status]));
    if (changes.length > 0) setAnnouncement(changes.map((entry) => `${entry.name}: ${entry.label}`).join('. '));
  }, [load]);

  const act = async (job: HistoryJob, operation: string) => {
    setBusy((current) => new Set(current).add(job.id));
    setActionErrors((current) => {
      const next = new Map(current);
      next.delete(job.id);
      return next;
    });
    try {
      const answer = await graphql<Record<string, ImportJob>>(operation, { id: job.id });
      applyAnswer(Object.values(answer)[0], job.status);
    } catch (error) {
      setActionErrors((current) => new Map(current).set(job.id, (error as Error).message));
    } finally {
      setBusy((current) => {
        const next = new Set(current);
        next.delete(job.id);
        return next;
      });
    }
  };

  const total = load.state === 'ready' ? load.page.total : 0;
  const first = pageIndex * HISTORY_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE));

  return (
    <section className="history" aria-labelledby="history-heading">
      <h2 id="history-heading" tabIndex={-1} ref={heading}>
        History
      </h2>
      <p className="lead">
        Your recent imports and uploads, started in this browser, another one, or through the API. Statuses change here
        as they happen.
      </p>
      <div className="history-controls">
        <Chips
          legend="Show"
          name="history-source"
          options={[
            { label: 'Imports', value: 'imports' as Source },
            { label: 'Uploads', value: 'uploads' as Source },
          ]}
          value={source}
          onChange={(next) => {
            setSource(next);
            setFilterIndex(0);
            setPageIndex(0);
          }}
        />
        <Chips
          legend="Status"
          name="history-status"
          options={filters.map((option, index) => ({ label: option.label, value: index }))}
          value={filterIndex}
          onChange={(next) => {
            setFilterIndex(next);
            setPageIndex(0);
          }}
        />
      </div>
      {load.state === 'ready' && load.page.admin && source === 'imports' && (
        <p className="notice">As an administrator you see everyone’s imports, not only yours.</p>
      )}
      {load.state === 'loading' && (
        <p className="history-loading" role="status">
          Loading your {source}…
        </p>
      )}
      {load.state === 'error' && (
        <ErrorWithRetry message={`Your history could not be loaded: ${load.message}`} onRetry={reload} />
      )}
      {load.state === 'ready' && entries.length === 0 && <p className="empty">{emptyText(source, filter)}</p>}
      {load.state === 'ready' && entries.length > 0 && (
        <>
          <ul className="history-rows" aria-label={`${filter.label} ${source}`}>
            {entries.map((entry) => (
              <HistoryRow
                key={entry.key}
                entry={entry}
                target={describeTarget(entry.target, names)}
                busy={Boolean(entry.job && busy.has(entry.job.id))}
                actionError={entry.job ? actionErrors.get(entry.job.id) : undefined}
                onRetry={() => entry.job && void act(entry.job, RETRY_IMPORT)}
                onCancel={() => entry.job && void act(entry.job, CANCEL_IMPORT)}
              />
            ))}
          </ul>
          {pages === 1 ? (
            <p className="pager">
              {total} {total === 1 ? source.slice(0, -1) : source}
            </p>
          ) : (
            <nav className="pager" aria-label="History pages">
              <button type="button" disabled={pageIndex === 0} onClick={() => setPageIndex((n) => n - 1)}>
                Newer
              </button>
              <span>
                {first + 1}–{Math.min(first + entries.length, total)} of {total} (page {pageIndex + 1} of {pages})
              </span>
              <button type="button" disabled={pageIndex + 1 >= pages} onClick={() => setPageIndex((n) => n + 1)}>
                Older
              </button>
            </nav>
          )}
        </>
      )}
      <div className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </div>
    </section>
  );
}
