import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { AuthUser } from '../auth/auth-user.js';
import type { AuthService } from '../auth/auth.service.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../database/database-errors.js';
import { nameOperation } from '../logging/logger.js';
import { checkQuery } from './query-limits.js';

const logger = new Logger('GraphQL');

const CREDENTIALS_UNCHECKED = 'Your credentials could not be checked just now. Try again in a moment.';

/** The GraphQL response of a request refused before it was parsed: `{ errors: [...] }`. */
function refuse(response: Response, status: number, message: string, code: ErrorCode) {
  response.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** The first operation's name, read without parsing: for the log line of a refused request. */
const FIRST_OPERATION_NAME = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/** The query, variables and operation name of a POST body or a GET query string. */
function operationOf(request: Request) {
  const source = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined;
  let variables = source?.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables);
    } catch {
      variables = undefined;
    }
  }
  return {
    query: typeof source?.query === 'string' ? source.query : undefined,
    variables: typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : undefined,
    operationName: typeof source?.operationName === 'string' ? source.operationName : undefined,
  };
}

/**
 * Express middleware in front of GraphQL over HTTP (mounted at /graphql, after the body
 * parser). No GraphQL operation is public (signing in is REST), so a request without a valid
 * bearer token is refused here, before its document is parsed or validated: an anonymous
 * caller cannot make the server spend more than reading a body of at most 1 MB. A signed-in
 * caller's document is then measured against QUERY_LIMITS, also before validation.
 *
 * Refusals keep GraphQL's response shape: UNAUTHENTICATED answers HTTP 200, as it did when the
 * resolvers refused the caller, and BAD_USER_INPUT answers 400, like a document that fails
 * validation. The user found is kept on the request so the guards do not look it up again.
 */
export function graphqlHttpGate(auth: AuthService, schema: () => GraphQLSchema) {
  return async (request: Request & { user?: AuthUser }, response: Response, next: NextFunction) => {
    if (request.method !== 'POST' && request.method !== 'GET') return next();
    const { query, variables, operationName } = operationOf(request);
    nameOperation(request, operationName ?? FIRST_OPERATION_NAME.exec(query?.slice(0, 1_000) ?? '')?.[1]);
    try {
      request.user = await auth.authenticateAuthorization(request.headers.authorization);
    } catch (error) {
      if (error instanceof AppError) return refuse(response, 200, error.message, error.code);
      // Answered here rather than passed on: the request must not reach the parser unchecked,
      // and Express's own error page would show a stack. The token check reads the database;
      // a failed query's parameters may hold token hashes, so only its message is logged.
      logger.error(`credentials could not be checked: ${error instanceof Error ? error.message : String(error)}`);
      const message = isDatabaseUnavailable(error) ? DATABASE_UNAVAILABLE_MESSAGE : CREDENTIALS_UNCHECKED;
      return refuse(response, 503, message, ErrorCode.SERVICE_UNAVAILABLE);
    }
    if (query === undefined) return next();
    const checked = checkQuery(schema(), query, variables, operationName);
    nameOperation(request, checked.operationName);
    if (checked.error) return refuse(response, 400, checked.error.message, ErrorCode.BAD_USER_INPUT);
    next();
  };
}
