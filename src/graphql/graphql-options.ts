import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request } from 'express';
import type { Environment } from '../environment/environment.js';

/** Where GraphQL answers, over HTTP and WebSocket alike. */
export const GRAPHQL_PATH = '/graphql';

/**
 * Apollo over HTTP at /graphql. Callers are authenticated, and their documents measured
 * against the query limits, before Apollo sees the request (graphql-http-gate.ts); GraphQL
 * over WebSocket at the same path is graphql-ws-server.ts.
 *
 * In production, introspection is off for everyone and validation errors carry no "Did you
 * mean" hints: the API is documented by schema.gql, and the web and admin apps are built
 * against it, not against a live schema.
 */
export function graphqlOptions(env: Environment): ApolloDriverConfig {
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    introspection: !env.isProduction,
    // A hash-only request would reach Apollo without its document, so the query limits
    // (graphql-http-gate.ts) could not measure it: every request carries its query text.
    persistedQueries: false,
    hideSchemaDetailsFromClientErrors: env.isProduction,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: Request }) => ({ req }),
    formatError: (formatted) => {
      // Errors Nest's filter did not see (parse and validation errors) keep Apollo's codes;
      // never forward internals such as stack traces or the original error object.
      const { message, locations, path, extensions } = formatted;
      return { message, locations, path, extensions: { code: extensions?.code ?? 'INTERNAL_SERVER_ERROR' } };
    },
  };
}
