import type { StatusLabel } from '../lists/status-chip.js';

/** Upload statuses as an administrator reads them. */
export const UPLOAD_STATUS: Record<string, StatusLabel> = {
  UPLOADING: { label: 'Uploading', color: 'info' },
  COMPLETED: { label: 'Uploaded', color: 'default' },
  IMPORTED: { label: 'Imported', color: 'success' },
  REJECTED: { label: 'Refused', color: 'error' },
  EXPIRED: { label: 'Expired unfinished', color: 'warning' },
  CANCELLED: { label: 'Cancelled', color: 'warning' },
};
