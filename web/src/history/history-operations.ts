/** What History reads, against schema.gql. */
import type { ImportJob, ImportStatus, ImportTargetType } from '../api/operations.js';
import { JOB_FIELDS } from '../api/operations.js';

export type UploadStatus = 'UPLOADING' | 'COMPLETED' | 'IMPORTED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED';

export interface HistoryJob extends ImportJob {
  fileName: string;
  sizeBytes: number | null;
  targetType: ImportTargetType;
  targetId: string;
  groupId: string;
  createdAt: string;
  finishedAt: string | null;
  /** Set for in-place imports (a file of the import folder, not an upload). */
  serverPath: string | null;
}

export interface HistoryUpload {
  id: string;
  fileName: string;
  sizeBytes: number | null;
  offsetBytes: number;
  status: UploadStatus;
  errorMessage: string | null;
  createdAt: string;
  expiresAt: string | null;
  targetType: string | null;
  targetId: string | null;
  groupId: string | null;
  importJob: HistoryJob | null;
}

export const HISTORY_PAGE_SIZE = 20;

const HISTORY_JOB_FIELDS = `${JOB_FIELDS} fileName sizeBytes targetType targetId groupId createdAt finishedAt serverPath`;

export const IMPORT_HISTORY = `query ImportHistory($limit: Int!, $offset: Int!, $status: ImportStatus) {
  importJobs(limit: $limit, offset: $offset, status: $status) { ${HISTORY_JOB_FIELDS} }
  importJobCount(status: $status)
  me { roles }
}`;

export const UPLOAD_HISTORY = `query UploadHistory($limit: Int!, $offset: Int!, $status: UploadStatus) {
  uploads(limit: $limit, offset: $offset, status: $status) {
    id fileName sizeBytes offsetBytes status errorMessage createdAt expiresAt targetType targetId groupId
    importJob { ${HISTORY_JOB_FIELDS} }
  }
  uploadCount(status: $status)
  me { roles }
}`;

export const HISTORY_JOB_UPDATED = `subscription HistoryJobUpdated { importJobUpdated { ${HISTORY_JOB_FIELDS} } }`;

export type Source = 'imports' | 'uploads';

export interface Filter<S> {
  label: string;
  status: S | undefined;
}

export const IMPORT_FILTERS: Filter<ImportStatus>[] = [
  { label: 'All', status: undefined },
  { label: 'Queued', status: 'QUEUED' },
  { label: 'Importing', status: 'RUNNING' },
  { label: 'Imported', status: 'SUCCEEDED' },
  { label: 'Failed', status: 'FAILED' },
  { label: 'Cancelled', status: 'CANCELLED' },
];

export const UPLOAD_FILTERS: Filter<UploadStatus>[] = [
  { label: 'All', status: undefined },
  { label: 'Unfinished', status: 'UPLOADING' },
  { label: 'Uploaded, not imported', status: 'COMPLETED' },
  { label: 'Imported', status: 'IMPORTED' },
  { label: 'Refused', status: 'REJECTED' },
  { label: 'Cancelled', status: 'CANCELLED' },
  { label: 'Expired', status: 'EXPIRED' },
];
