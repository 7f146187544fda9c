import { formatBytes, formatWhen } from '../format/units.js';
import type { HistoryJob, HistoryUpload } from './history-operations.js';
import type { TargetRef } from './target-names.js';

export type Tone = 'good' | 'bad' | 'busy' | 'quiet';

/** One line of History, from an import job or an upload (with its job, if it has one). */
export interface Entry {
  key: string;
  name: string;
  sizeBytes: number | null;
  target: TargetRef;
  createdAt: string;
  finishedAt: string | null;
  /** The server's status, for the row's data-status. */
  status: string;
  label: string;
  tone: Tone;
  /** Why it failed or was refused, for people. */
  message: string | null;
  /** What else there is to know (how far an unfinished upload got). */
  detail?: string;
  job: HistoryJob | null;
}

const JOB_LABELS: Record<HistoryJob['status'], [string, Tone]> = {
  QUEUED: ['Queued for import', 'busy'],
  RUNNING: ['Importing', 'busy'],
  SUCCEEDED: ['Imported', 'good'],
  FAILED: ['Import failed', 'bad'],
  CANCELLED: ['Import cancelled', 'quiet'],
};

const UPLOAD_LABELS: Record<HistoryUpload['status'], [string, Tone]> = {
  UPLOADING: ['Unfinished upload', 'busy'],
  COMPLETED: ['Uploaded, not imported', 'quiet'],
  IMPORTED: ['Imported', 'good'],
  REJECTED: ['Refused by the server', 'bad'],
  CANCELLED: ['Upload cancelled', 'quiet'],
  EXPIRED: ['Expired before it finished', 'quiet'],
};

export function entryOfJob(job: HistoryJob): Entry {
  const [label, tone] = JOB_LABELS[job.status];
  return {
    key: `job-${job.id}`,
    // In-place imports name the file by its place in the import folder.
    name: job.serverPath ?? job.fileName,
    sizeBytes: job.sizeBytes,
    target: job,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    status: job.status,
    label,
    tone,
    message: job.error,
    job,
  };
}

export function entryOfUpload(upload: HistoryUpload): Entry {
  if (upload.importJob) return { ...entryOfJob(upload.importJob), key: `upload-${upload.id}`, name: upload.fileName };
  const [label, tone] = UPLOAD_LABELS[upload.status];
  const received =
    upload.status === 'UPLOADING'
      ? `${formatBytes(upload.offsetBytes)}${upload.sizeBytes ? ` of ${formatBytes(upload.sizeBytes)}` : ''} received` +
        (upload.expiresAt ? `; deleted ${formatWhen(upload.expiresAt)} unless it is resumed` : '')
      : undefined;
  return {
    key: `upload-${upload.id}`,
    name: upload.fileName,
    sizeBytes: upload.sizeBytes,
    target: upload,
    createdAt: upload.createdAt,
    finishedAt: null,
    status: upload.status,
    label,
    tone,
    message: upload.errorMessage,
    detail: received,
    job: null,
  };
}
