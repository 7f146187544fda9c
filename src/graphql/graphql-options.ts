import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request } from 'express';
import type { Context as WsContext } from 'graphql-ws';
import type { AuthUser } from '../auth/auth-user.js';
import type { AuthService } from '../auth/auth.service.js';
import { GraphQLError } from 'graphql';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../database/database-errors.js';

/** graphql-ws close code for a connection whose credentials are missing or refused. */
export const WS_UNAUTHORIZED = 4401;

type WsExtra = {
  user?: AuthUser;
  authorization?: unknown;
  expiryTimer?: NodeJS.Timeout;
  request: Request;
  socket: { close(code: number, reason: string): void };
};

type AnyWsContext = WsContext<Record<string, unknown> | undefined, unknown>;

/** WebSocket close code "try again later": graphql-ws clients reconnect by themselves after it. */
const WS_TRY_AGAIN_LATER = 1013;

/** Closes a connection whose credentials no longer hold; clients reconnect with new ones. */
function refuse(extra: WsExtra, error: unknown): false {
  clearTimeout(extra.expiryTimer);
  if (isDatabaseUnavailable(error)) {
    // The credentials could not be checked, not refused: 4401 would send people to sign in.
    extra.socket.close(WS_TRY_AGAIN_LATER, DATABASE_UNAVAILABLE_MESSAGE);
    return false;
  }
  const reason = error instanceof AppError ? error.message : 'Authentication failed.';
  // Close reasons are limited to 123 bytes by the WebSocket protocol.
  extra.socket.close(WS_UNAUTHORIZED, Buffer.from(reason).subarray(0, 123).toString());
  return false;
}

/**
 * Apollo over HTTP and graphql-ws over WebSocket, both at /graphql. A WebSocket presents its
 * token in the `connection_init` payload ({"authorization": "Bearer <token>"}). The token is
 * checked again for every operation, so a revoked token, a disabled user or a changed role
 * applies to open connections too, and the connection is closed when an access token expires.
 * Resolvers see the same `req.user` whichever transport carried the operation.
 */
export function graphqlOptions(auth: AuthService): ApolloDriverConfig {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    subscriptions: {
      'graphql-ws': {
        onConnect: async (context: AnyWsContext) => {
          const params = context.connectionParams ?? {};
          const extra = context.extra as WsExtra;
          extra.authorization = params.authorization ?? params.Authorization;
          try {
            extra.user = await auth.authenticateAuthorization(extra.authorization);
          } catch (error) {
            return refuse(extra, error);
          }
          const expiresAt = extra.user.expiresAt;
          if (expiresAt) {
            const expired = new AppError(ErrorCode.UNAUTHENTICATED, 'Your session has expired. Sign in again.');
            // setTimeout cannot wait longer than 2^31 - 1 ms; such tokens are rechecked per operation.
            const delay = expiresAt.getTime() - Date.now();
            if (delay < 2 ** 31) extra.expiryTimer = setTimeout(() => refuse(extra, expired), delay).unref();
          }
          return true;
        },
        onSubscribe: async (context: AnyWsContext) => {
          const extra = context.extra as WsExtra;
          try {
            extra.user = await auth.authenticateAuthorization(extra.authorization);
          } catch (error) {
            if (isDatabaseUnavailable(error)) {
              return [
                new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }),
              ];
            }
            refuse(extra, error);
            return [new GraphQLError('Unauthenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
          }
          return undefined;
        },
        onClose: (context: AnyWsContext) => clearTimeout((context.extra as WsExtra).expiryTimer),
      },
    },
    context: (arg: { req?: Request; extra?: WsExtra }) => {
      if (arg.req) return { req: arg.req };
      const extra = arg.extra!;
      return { req: { user: extra.user, headers: extra.request.headers, ip: extra.request.socket.remoteAddress } };
    },
    formatError: (formatted) => {
      // Errors Nest's filter did not see (parse and validation errors) keep Apollo's codes;
      // never forward internals such as stack traces or the original error object.
      const { message, locations, path, extensions } = formatted;
      return { message, locations, path, extensions: { code: extensions?.code ?? 'INTERNAL_SERVER_ERROR' } };
    },
  };
}
