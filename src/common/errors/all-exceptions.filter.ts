import { type ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../../database/database-errors.js';
import { AppError, ErrorCode, errorCodeOf, httpStatusOf, isClientFacing, SIGN_IN_FIRST } from './app-error.js';

interface ClientError {
  code: ErrorCode;
  status: number;
  message: string;
  headers: Record<string, string>;
}

/** Framework messages that are not written for people, and what to say instead. */
const PLAIN_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.UNAUTHENTICATED]: SIGN_IN_FIRST,
  [ErrorCode.FORBIDDEN]: 'You do not have permission to do this.',
  [ErrorCode.NOT_FOUND]: 'Nothing was found at this address.',
};

/**
 * The one place where every error becomes what a client sees: a GraphQL error with
 * `extensions.code`, or an HTTP status with `{ statusCode, code, message }`. Unexpected errors
 * are logged in full and reach the client only as a generic message.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost) {
    const error = this.toClientError(exception);
    if (host.getType<GqlContextType>() === 'graphql') {
      return new GraphQLError(error.message, { extensions: { code: error.code } });
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.set(error.headers).status(error.status).json({
      statusCode: error.status,
      code: error.code,
      message: error.message,
    });
  }

  private toClientError(exception: unknown): ClientError {
    const known =
      exception instanceof AppError ? exception : (this.fromFeature(exception) ?? this.fromDatabase(exception));
    if (known) {
      return {
        code: known.code,
        status: httpStatusOf(known.code),
        message: known.message,
        headers: known.headers,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = errorCodeOf(status);
      if (status >= 500) this.logger.error(exception);
      return { code, status, message: this.messageOf(exception, code), headers: {} };
    }
    if (exception instanceof GraphQLError && typeof exception.extensions.code === 'string') {
      const code = exception.extensions.code as ErrorCode;
      return { code, status: 400, message: exception.message, headers: {} };
    }
    // A failed query's parameters may hold password hashes or tokens: log its message only.
    this.logger.error(exception instanceof QueryFailedError ? `query failed: ${exception.message}` : exception);
    return {
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      status: 500,
      message:
        'Something went wrong on our side. It has been logged; please try again, and tell your administrator if it keeps happening.',
      headers: {},
    };
  }

  /**
   * A feature's error that says what a person can do about it (OMERO's: sign in again, or wait
   * for OMERO to be back). Its detail, which may name addresses, is for administrators: the log.
   */
  private fromFeature(exception: unknown): AppError | null {
    if (!isClientFacing(exception)) return null;
    if (exception.logDetail) this.logger.warn(exception.logDetail);
    return exception.toAppError();
  }

  /**
   * The database unreachable, restarting or too slow (DATABASE_TIMEOUT_SECONDS): a 503 the
   * person can act on by waiting, never the driver's message, which names hosts and ports.
   */
  private fromDatabase(exception: unknown): AppError | null {
    if (!isDatabaseUnavailable(exception)) return null;
    const detail = exception instanceof Error ? exception.message : String(exception);
    this.logger.warn(`the database is not answering: ${detail}`);
    return new AppError(ErrorCode.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, { 'Retry-After': '60' });
  }

  private messageOf(exception: HttpException, code: ErrorCode): string {
    const body = exception.getResponse();
    // ValidationPipe reports each failed constraint as one string in `message`.
    const detail = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
    if (Array.isArray(detail)) return detail.join('; ');
    const generic = /^(Unauthorized|Forbidden|Forbidden resource|Not Found)$/;
    if (typeof detail === 'string' && !generic.test(detail)) return detail;
    return PLAIN_MESSAGES[code] ?? exception.message;
  }
}
