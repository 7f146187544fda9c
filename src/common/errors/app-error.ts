/**
 * The error codes clients see, in GraphQL `extensions.code` and in the `code` field of REST and
 * tus error bodies. docs/api.md ("Errors") lists them; add codes here, map them below, and document them there.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** What an anonymous caller of a protected route or resolver is told. */
export const SIGN_IN_FIRST = 'Sign in first: send "Authorization: Bearer <token>" with an access token or API token.';

/** An error whose message is written for the person who will read it. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers for HTTP callers, such as Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * An error of a feature that has codes of its own (so it is no AppError) but a form clients may
 * see. The exceptions filter asks the error for that form, so that common/ needs to know no
 * feature's errors.
 */
export interface ClientFacingError extends Error {
  /** What a client is told: no address, no internals. */
  toAppError(): AppError;
  /** What only the log gets, if anything (addresses, what an administrator should check). */
  readonly logDetail?: string;
}

export const isClientFacing = (error: unknown): error is ClientFacingError =>
  error instanceof Error && typeof (error as Partial<ClientFacingError>).toAppError === 'function';

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.BAD_USER_INPUT:
      return 400;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.TOO_MANY_REQUESTS:
      return 429;
    case ErrorCode.SERVICE_UNAVAILABLE:
      return 503;
    case ErrorCode.INTERNAL_SERVER_ERROR:
      return 500;
    default: {
      const unmapped: never = code;
      throw new Error(`No HTTP status for error code ${String(unmapped)}`);
    }
  }
}

/** The reverse mapping, for errors raised by the framework as plain HTTP exceptions. */
export function errorCodeOf(status: number): ErrorCode {
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 429) return ErrorCode.TOO_MANY_REQUESTS;
  if (status === 503) return ErrorCode.SERVICE_UNAVAILABLE;
  if (status >= 400 && status < 500) return ErrorCode.BAD_USER_INPUT;
  return ErrorCode.INTERNAL_SERVER_ERROR;
}
