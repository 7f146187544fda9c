import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request } from 'express';
import type { Context as WsContext } from 'graphql-ws';
import type { AuthUser } from '../auth/auth-user.js';
import type { AuthService } from '../auth/auth.service.js';
import { AppError } from '../common/errors/app-error.js';

/** graphql-ws close code for a connection whose credentials are missing or refused. */
export const WS_UNAUTHORIZED = 4401;

type WsExtra = { user?: AuthUser; request: Request; socket: { close(code: number, reason: string): void } };

/**
 * Apollo over HTTP and graphql-ws over WebSocket, both at /graphql. A WebSocket proves who it
 * is once, in the `connection_init` payload ({"authorization": "Bearer <token>"}); resolvers
 * then see the same `req.user` whichever transport carried the operation.
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
        onConnect: async (context: WsContext<Record<string, unknown> | undefined, unknown>) => {
          const params = context.connectionParams ?? {};
          const extra = context.extra as WsExtra;
          try {
            extra.user = await auth.authenticateAuthorization(params.authorization ?? params.Authorization);
            return true;
          } catch (error) {
            const reason = error instanceof AppError ? error.message : 'Authentication failed.';
            // Close reasons are limited to 123 bytes by the WebSocket protocol.
            extra.socket.close(WS_UNAUTHORIZED, Buffer.from(reason).subarray(0, 123).toString());
            return false;
          }
        },
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
