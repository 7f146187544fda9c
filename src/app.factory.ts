import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EXPOSED_HEADERS } from '@tus/utils';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import type { Server as HttpServer } from 'node:http';
import type { DestinationStream } from 'pino';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { AppModule } from './app.module.js';
import { GRAPHQL_PATH } from './graphql/graphql-options.js';
import { AuthService } from './auth/auth.service.js';
import { graphqlHttpGate } from './graphql/graphql-http-gate.js';
import { errorCodeOf } from './common/errors/app-error.js';
import type { Environment } from './environment/environment.js';
import { answerClientErrors } from './http-security/client-errors.js';
import { credentialedCors, openCors } from './http-security/cors.js';
import { securityHeaders, strictTransportSecurityOverTls } from './http-security/security-headers.js';
import { TUS_PATH } from './upload/tus-server.service.js';
import { createRootLogger, PinoNestLogger, requestLogging } from './logging/logger.js';

/** Express `trust proxy` from its text form: booleans and hop counts become values. */
function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
}

/** Routes whose only credential is the Authorization header: open to any origin (see cors.ts). */
function isBearerOnly(path: string): boolean {
  return [TUS_PATH, GRAPHQL_PATH].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * JSON and form parsers for every route but tus's, answering a body they cannot read with
 * the same JSON error shape as the rest of the API.
 */
function bodyParsersExcept(path: string) {
  const parseJson = json({ limit: '1mb' });
  const parseForm = urlencoded({ extended: false, limit: '1mb' });
  return (request: Request, response: Response, next: NextFunction) => {
    if (request.path.startsWith(path)) return next();
    const refuse = (error: { status?: number; message?: string }) => {
      const status = error.status ?? 400;
      response.status(status).json({
        statusCode: status,
        code: errorCodeOf(status),
        message: `The request body could not be read: ${error.message ?? 'malformed'}. Send valid JSON.`,
      });
    };
    parseJson(request, response, (error?: unknown) => {
      if (error) return refuse(error as { status?: number; message?: string });
      parseForm(request, response, (formError?: unknown) =>
        formError ? refuse(formError as { status?: number }) : next(),
      );
    });
  };
}

/**
 * Builds the application, as `npm start` runs it and as the tests run it. Logs are JSON lines
 * on stdout unless another destination is given.
 */
export async function createApp(
  env: Environment,
  databaseUrl: string,
  logDestination?: DestinationStream,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register({ env, databaseUrl }), {
    logger: new PinoNestLogger(createRootLogger(env.LOG_LEVEL, logDestination)),
    bufferLogs: true,
    // Registered below instead, so that they never touch tus requests: a body parser there
    // would swallow or refuse upload bytes (see the tus controller).
    bodyParser: false,
  });
  app.set('trust proxy', trustProxyValue(env.TRUST_PROXY));
  app.disable('x-powered-by');
  app.use(requestLogging(env.LOG_LEVEL, logDestination));
  app.use(securityHeaders());
  app.use(strictTransportSecurityOverTls());
  app.use(GRAPHQL_PATH, openCors());
  const credentialed = credentialedCors(env.corsOrigins);
  app.use((request: Request, response: Response, next: NextFunction) =>
    isBearerOnly(request.path) ? next() : credentialed(request, response, next),
  );
  app.use(bodyParsersExcept(TUS_PATH));
  const schemaHost = app.get(GraphQLSchemaHost);
  app.use(
    GRAPHQL_PATH,
    graphqlHttpGate(app.get(AuthService), () => schemaHost.schema),
  );
  // Every tus answer, the guard's 401 and the protocol checks' 412/413/415 included, must be
  // readable by browser clients on other origins; tus's own answers set the same headers.
  app.use(TUS_PATH, (_request: Request, response: Response, next: NextFunction) => {
    response.set({
      'Tus-Resumable': '1.0.0',
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': EXPOSED_HEADERS,
    });
    next();
  });

  const server = app.getHttpServer() as HttpServer;
  answerClientErrors(server, new Logger('HTTP'));
  // Node ends any request still receiving its body after 5 minutes; a large chunk on a slow
  // link takes longer. Instead, a connection that sends nothing for 2 minutes is closed.
  server.requestTimeout = 0;
  server.timeout = 120_000;
  return app;
}
