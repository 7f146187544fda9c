/**
 * The error tus answers with. A file of its own because the upload store and the storage checks
 * both make them, and the store uses the storage checks.
 */
export interface TusError {
  status_code: number;
  body: string;
}

/** The error tus answers with: its status and a message a person can act on. */
export const tusError = (status_code: number, body: string): TusError => ({ status_code, body });

export const isTusError = (error: unknown): error is TusError =>
  typeof error === 'object' && error !== null && 'status_code' in error && 'body' in error;
