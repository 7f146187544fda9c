import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import type { Environment } from './environment/environment.js';
import { createRootLogger, PinoNestLogger, requestLogging } from './logging/logger.js';

/** Express `trust proxy` from its text form: booleans and hop counts become values. */
function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
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
  });
  app.set('trust proxy', trustProxyValue(env.TRUST_PROXY));
  app.disable('x-powered-by');
  app.use(requestLogging(env.LOG_LEVEL, logDestination));
  return app;
}
