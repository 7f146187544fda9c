import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { EnvironmentError, loadEnvironment } from './environment/environment.js';
import { createRootLogger } from './logging/logger.js';

async function main(): Promise<void> {
  let env;
  try {
    env = loadEnvironment();
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every variable and its default.\n`);
    process.exit(1);
  }
  const logger = createRootLogger(env.LOG_LEVEL);

  // eslint-disable-next-line prefer-const -- closeApp may run (the embedded database died) before the app is created; a const would throw there
  let app: INestApplication | undefined;
  let closing: Promise<void> | undefined;
  const closeApp = () => (closing ??= app?.close() ?? Promise.resolve());

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: env.dataDir,
      port: env.EMBEDDED_DATABASE_PORT,
      logger,
      beforeStop: closeApp,
      // It died and would not start again: without it the app only answers 503, so exit and
      // let a supervisor (systemd, Docker, Kubernetes) restart the app and its database.
      onLost: () => {
        logger.fatal('the embedded PostgreSQL is gone; exiting so that a supervisor restarts the app');
        process.exit(1);
      },
    });
    databaseUrl = embedded.url;
  }

  // Stop taking requests, let the app close its connections, then stop the database.
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    try {
      await closeApp();
      await embedded?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  app = await createApp(env, databaseUrl);
  if (env.APP_ROLE === 'worker') {
    // The same application without an HTTP server: it only runs import jobs.
    await app.init();
    logger.info({ role: env.APP_ROLE, embeddedDatabase: Boolean(embedded) }, 'omero-uploader worker is ready');
    return;
  }
  await app.listen(env.PORT, env.HOST);
  logger.info(
    { url: await app.getUrl(), role: env.APP_ROLE, embeddedDatabase: Boolean(embedded) },
    'omero-uploader is ready',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `omero-uploader failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
