import { formatBytes, formatWhen } from '../format/units.js';
import { ImageThumbnails } from '../images/image-thumbnails.js';
import type { Entry } from './history-entries.js';

/** One import or upload: what, where, how big, when, where it stands, and what can be done. */
export function HistoryRow({
  entry,
  target,
  busy,
  actionError,
  onRetry,
  onCancel,
}: {
  entry: Entry;
  target: string;
  busy: boolean;
  actionError: string | undefined;
  onRetry: () => void;
  onCancel: () => void;
}) {
  const { job } = entry;
  const finished = entry.finishedAt ?? undefined;
  return (
    <li className={`history-row tone-${entry.tone}`} data-file={entry.name} data-status={entry.status}>
      <div className="history-main">
        <span className="file-name">{entry.name}</span>
        <span className={`history-status tone-${entry.tone}`}>{entry.label}</span>
      </div>
      <p className="history-meta">
        <span>{target}</span>
        {entry.sizeBytes !== null && <span>{formatBytes(entry.sizeBytes)}</span>}
        <span>
          Started <time dateTime={entry.createdAt}>{formatWhen(entry.createdAt)}</time>
        </span>
        {finished && (
          <span>
            Ended <time dateTime={finished}>{formatWhen(finished)}</time>
          </span>
        )}
      </p>
      {entry.detail && <p className="history-detail">{entry.detail}</p>}
      {entry.message && <p className="history-message">{entry.message}</p>}
      {actionError && (
        <p className="history-message" role="alert">
          {actionError}
        </p>
      )}
      {job &&
        (job.status === 'FAILED' ||
          job.status === 'CANCELLED' ||
          job.status === 'QUEUED' ||
          job.status === 'RUNNING') && (
          <div className="actions">
            {(job.status === 'FAILED' || job.status === 'CANCELLED') && (
              <button type="button" onClick={onRetry} disabled={busy}>
                Retry<span className="visually-hidden"> the import of {entry.name}</span>
              </button>
            )}
            {(job.status === 'QUEUED' || job.status === 'RUNNING') && (
              <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
                Cancel<span className="visually-hidden"> the import of {entry.name}</span>
              </button>
            )}
          </div>
        )}
      {job?.status === 'SUCCEEDED' && (
        <ImageThumbnails fileName={entry.name} images={job.images} total={job.omeroImageIds.length} />
      )}
    </li>
  );
}
