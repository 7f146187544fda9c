import { describeIntegrity, IntegrityNote } from '../integrity/integrity-note.js';
import type { Integrity } from '../integrity/use-integrity.js';
import type { FileRow, Phase } from './file-rows.js';

const LABEL: Record<Phase, string> = {
  waiting: 'Ready to upload',
  uploading: 'Uploading',
  uploaded: 'Uploaded',
  queued: 'Queued for import',
  importing: 'Importing',
  imported: 'Imported',
  failed: 'Failed',
  cancelled: 'Cancelled',
  refused: 'Refused by the server',
};

function describe(row: FileRow): string {
  const label = row.phase === 'uploading' ? `${LABEL.uploading} ${row.percent}%` : LABEL[row.phase];
  return row.message ? `${label}: ${row.message}` : label;
}

/**
 * Every file of this page with where it stands. Changes are announced by the live region
 * (polite: a screen reader finishes what it was saying first).
 */
export function StatusList({
  rows,
  onRetry,
  onCancel,
  integrity = {},
}: {
  rows: FileRow[];
  onRetry: (row: FileRow) => void;
  onCancel: (row: FileRow) => void;
  /** Each file's end-to-end check, by file id. */
  integrity?: Record<string, Integrity>;
}) {
  const announcements = rows.filter((row) => row.phase !== 'uploading' && row.phase !== 'waiting');
  return (
    <section className="status" aria-labelledby="status-heading">
      <h2 id="status-heading">3. Follow each file into OMERO</h2>
      {rows.length === 0 ? (
        <p className="empty">No files yet. Files you add above appear here, from upload to import.</p>
      ) : (
        <ul className="rows">
          {rows.map((row) => (
            <li key={row.fileId} className={`row phase-${row.phase}`} data-file={row.name}>
              <span className="file-name">{row.name}</span>
              <span className="phase" data-phase={row.phase}>
                {describe(row)}
              </span>
              {row.phase === 'uploading' && (
                <progress max={100} value={row.percent} aria-label={`Upload of ${row.name}`} />
              )}
              <span className="actions">
                {row.job && row.phase === 'failed' && (
                  <button type="button" onClick={() => onRetry(row)}>
                    Retry<span className="visually-hidden"> the import of {row.name}</span>
                  </button>
                )}
                {row.job && (row.phase === 'queued' || row.phase === 'importing') && (
                  <button type="button" onClick={() => onCancel(row)}>
                    Cancel<span className="visually-hidden"> the import of {row.name}</span>
                  </button>
                )}
              </span>
              <IntegrityNote integrity={integrity[row.fileId]} />
            </li>
          ))}
        </ul>
      )}
      <div className="visually-hidden" role="status" aria-live="polite">
        {announcements.map((row) => (
          <p key={row.fileId}>
            {`${row.name}: ${describe(row)}`} {describeIntegrity(integrity[row.fileId])}
          </p>
        ))}
      </div>
    </section>
  );
}
