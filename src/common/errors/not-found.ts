import { AppError, ErrorCode } from './app-error.js';

/** How much of an unknown id a message repeats: enough to recognise it, never a whole request body. */
const ID_ECHO_CHARS = 64;

/**
 * The one wording of "this id names nothing you may see". `thing` is what was looked for
 * ("upload", "import job"); `ofYours` is for records only their owner (or an administrator)
 * sees, so that a caller learns nothing about other people's.
 */
export function notFoundMessage(thing: string, id: string, { ofYours = false } = {}): string {
  return `There is no ${thing} ${id.slice(0, ID_ECHO_CHARS)}${ofYours ? ' of yours' : ''}.`;
}

/** notFoundMessage as the NOT_FOUND error GraphQL and REST callers get. */
export function notFound(thing: string, id: string, options: { ofYours?: boolean } = {}): AppError {
  return new AppError(ErrorCode.NOT_FOUND, notFoundMessage(thing, id, options));
}
