import type { StatusLabel } from '../lists/status-chip.js';

/** Import statuses as an administrator reads them. */
export const JOB_STATUS: Record<string, StatusLabel> = {
  QUEUED: { label: 'Queued', color: 'default' },
  RUNNING: { label: 'Importing', color: 'info' },
  SUCCEEDED: { label: 'Imported', color: 'success' },
  FAILED: { label: 'Failed', color: 'error' },
  CANCELLED: { label: 'Cancelled', color: 'warning' },
};

export const RETRYABLE = ['FAILED', 'CANCELLED'];
export const CANCELLABLE = ['QUEUED', 'RUNNING'];

export const RETRIED = { done: 'Retried', noun: 'import job' };
export const CANCELLED = { done: 'Cancelled', noun: 'import job' };
