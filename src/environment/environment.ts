import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  NotEquals,
  ValidateIf,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { resolve } from 'node:path';
import { OMERO_VARIABLES, OmeroConfigError, omeroOptionsFromEnv, type OmeroEnvironment } from './omero-environment.js';

/** The value `.env.example` shows for JWT_SECRET; accepting it in production would be no secret. */
export const EXAMPLE_JWT_SECRET = 'change-me-to-at-least-32-random-characters';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every environment variable the service reads, with its default. Validated once at boot
 * (`loadEnvironment`); the app reads `process.env` nowhere else.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** Address the HTTP server listens on; 0.0.0.0 serves other machines. */
  @IsString()
  @IsNotEmpty()
  HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Embedded database, uploads and the sandbox repository live here. */
  @IsString()
  @IsNotEmpty()
  DATA_DIR = './data';

  /** External PostgreSQL; unset means the app starts its own under DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must look like postgres://user:password@host:5432/database',
  })
  DATABASE_URL?: string;

  /** Port of the embedded PostgreSQL; 0 picks a free one at each start. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  EMBEDDED_DATABASE_PORT = 0;

  @Matches(/^[A-Za-z0-9._@-]{2,64}$/, {
    message: 'ADMIN_USERNAME must be 2 to 64 letters, digits or . _ @ -',
  })
  ADMIN_USERNAME = 'admin';

  @IsOptional()
  @MinLength(8, { message: 'ADMIN_PASSWORD must be at least 8 characters long' })
  ADMIN_PASSWORD?: string;

  @ValidateIf((env: Environment) => env.NODE_ENV === 'production' || env.JWT_SECRET !== undefined)
  @IsNotEmpty({ message: 'JWT_SECRET is required when NODE_ENV=production' })
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  @NotEquals(EXAMPLE_JWT_SECRET, { message: 'JWT_SECRET must not be the example value from .env.example' })
  JWT_SECRET?: string;

  /** Lifetime of an access token: seconds, or a number with s, m, h or d. */
  @Matches(/^\d+[smhd]?$/, { message: 'JWT_EXPIRES_IN must be like 3600, 90s, 15m, 12h or 7d' })
  JWT_EXPIRES_IN = '12h';

  /** Failed logins allowed per username, and per client address, within LOGIN_WINDOW_MINUTES. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_USER = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ADDRESS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_WINDOW_MINUTES = 15;

  /**
   * Failed logins allowed per device cookie within LOGIN_WINDOW_MINUTES. A browser that signed
   * in before presents one, and its attempts are counted here instead of per username and address.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_DEVICE = 5;

  /** How long a device cookie lasts after the sign-in that set it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  LOGIN_DEVICE_COOKIE_DAYS = 365;

  /** Express `trust proxy`: false, true, a hop count, or addresses (see the README). */
  @IsString()
  TRUST_PROXY = 'false';

  /**
   * Origins (`https://app.example.org`, comma-separated) whose scripts may call the routes where
   * credentials matter (/api/auth and the rest of /api but uploads) with credentials. Empty: only
   * pages served by this app itself. Bearer-token routes (tus uploads, GraphQL) answer any origin.
   */
  @Matches(/^\s*(https?:\/\/[^\s,/]+\s*(,\s*https?:\/\/[^\s,/]+\s*)*)?$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.org (no path)',
  })
  CORS_ORIGINS = '';

  /** How often unfinished uploads are checked for expiry and stranded completions. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_SWEEP_SECONDS = 60;

  /**
   * Database connections for upload locks, per instance: one per upload being written (or
   * written in the last 2 seconds). Uploads beyond it wait up to DATABASE_TIMEOUT_SECONDS, then
   * get a 500 to retry.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_LOCK_CONNECTIONS = 40;

  /**
   * Space (MiB) kept free on the uploads volume: a new upload that would leave less is refused
   * (507), uploads of undeclared size stop there, and health reports storage as low below it.
   * It leaves room for uploads already under way and, with the embedded database in DATA_DIR,
   * for PostgreSQL.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  UPLOAD_DISK_RESERVE_MB = 1024;

  /**
   * How long any database connection attempt or statement may take before the request fails
   * with 503 instead of waiting for a database that stopped answering. Migrations, LISTEN and
   * advisory locks held or awaited on purpose are exempt (see docs/reliability.md).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  DATABASE_TIMEOUT_SECONDS = 10;

  /** all: HTTP and import workers; web: HTTP only; worker: import workers only, no HTTP server. */
  @IsIn(['all', 'web', 'worker'])
  APP_ROLE: 'all' | 'web' | 'worker' = 'all';

  /** The folder the in-place importer may browse and import from; unset disables it. */
  @IsOptional()
  @IsString()
  IMPORT_ROOT?: string;

  /** Imports one instance runs at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  IMPORT_CONCURRENCY = 2;

  /** How long one import attempt may take before it is stopped and counted as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_TIMEOUT_MINUTES = 60;

  /** Attempts of an import whose failure may be temporary (OMERO unreachable, a timeout). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  IMPORT_MAX_ATTEMPTS = 3;

  /**
   * How often a worker records that it is still running an import. An import whose last
   * heartbeat is 4.5 times this old lost its worker (the process died): any worker instance
   * queues it again, or fails it after its last attempt. So does a job taken from the queue and
   * not started for as long (its instance died in between).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  IMPORT_HEARTBEAT_SECONDS = 10;

  /** Keep an uploaded file after its import succeeded (by default it is removed). */
  @IsIn(['true', 'false'])
  IMPORT_KEEP_UPLOADED_FILES: 'true' | 'false' = 'false';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  // --- A real OMERO server: OMERO_WEB_URL set means OMERO (sign-in, groups, imports), unset the
  // sandbox. Their rules, which depend on each other, live in omero-environment.ts; the getter
  // `omero` applies them once, when loadEnvironment validates, and the adapter reads its result.

  /** OMERO.web, e.g. https://omero.example.org: its JSON API signs users in and lists targets. */
  @IsOptional()
  @IsString()
  OMERO_WEB_URL?: string;

  /** The OMERO server (Glacier2) `omero import` connects to; defaults to OMERO.web's host. */
  @IsOptional()
  @IsString()
  OMERO_HOST?: string;

  /** Its port; 4064 by default. */
  @IsOptional()
  @IsString()
  OMERO_PORT?: string;

  /** The `omero` executable of omero-py; `omero` on the PATH by default. */
  @IsOptional()
  @IsString()
  OMERO_CLI?: string;

  /** session: imports join the user's own OMERO session; sudo: an administrator imports as them. */
  @IsOptional()
  @IsString()
  OMERO_IMPORT_MODE?: string;

  /** The administrator of sudo mode, and their password (never on a command line or in a log). */
  @IsOptional()
  @IsString()
  OMERO_SUDO_USER?: string;

  @IsOptional()
  @IsString()
  OMERO_SUDO_PASSWORD?: string;

  /** How long one OMERO.web request may take, in seconds (30 by default). */
  @IsOptional()
  @IsString()
  OMERO_TIMEOUT_SECONDS?: string;

  /**
   * How often the OMERO session of each user with queued or running imports is joined, so that
   * OMERO does not end it for idleness while the imports wait (OMERO's idle timeout is 10
   * minutes by default: keep this well inside yours). Only with OMERO_WEB_URL set.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  OMERO_KEEPALIVE_SECONDS = 300;

  get corsOrigins(): Set<string> {
    return new Set(
      this.CORS_ORIGINS.split(',')
        .map((origin) => origin.trim().toLowerCase())
        .filter(Boolean),
    );
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get importRoot(): string | undefined {
    return this.IMPORT_ROOT ? resolve(this.IMPORT_ROOT) : undefined;
  }

  get dataDir(): string {
    return resolve(this.DATA_DIR);
  }

  /** Environment.omero, once computed; a private field, so not one of the declared variables. */
  #omero: OmeroEnvironment | null | undefined;

  /**
   * The real OMERO server's settings, or null for the sandbox. Computed on first use, which is
   * loadEnvironment's validation, so a bad setting stops the boot; throws OmeroConfigError.
   */
  get omero(): OmeroEnvironment | null {
    if (this.#omero === undefined) this.#omero = omeroOptionsFromEnv(pick(this, OMERO_VARIABLES));
    return this.#omero;
  }

  /** JWT lifetime in seconds. */
  get jwtExpiresInSeconds(): number {
    const match = /^(\d+)([smhd]?)$/.exec(this.JWT_EXPIRES_IN)!;
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
    return Number(match[1]) * unit;
  }
}

export class EnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvironmentError';
  }
}

/** One line per failed constraint, quoting the value as given unless it is a secret. */
function describe(errors: ValidationError[], given: Record<string, string>): string[] {
  return errors.flatMap((error) => {
    const value = given[error.property];
    const shown = value !== undefined && !/SECRET|PASSWORD/.test(error.property) ? ` (got "${value}")` : '';
    return Object.values(error.constraints ?? {}).map((message) => `${message}${shown}`);
  });
}

/**
 * Reads the variables this service knows from `source` (normally process.env), applies the
 * defaults and validates them all, throwing one error that lists every bad variable.
 * Empty strings count as unset, as they do in most shells' `VAR= command`.
 */
export function loadEnvironment(source: Record<string, string | undefined> = process.env): Environment {
  const plain: Record<string, string> = {};
  // Every declared field, optional ones included, is an own property of an instance.
  for (const key of Object.keys(new Environment())) {
    const value = source[key];
    if (value !== undefined && value !== '') plain[key] = value;
  }
  const env = plainToInstance(Environment, plain);
  const problems = describe(validateSync(env, { forbidUnknownValues: false }), plain);
  problems.push(...omeroProblems(env));
  if (problems.length > 0) throw new EnvironmentError(problems);
  return env;
}

function omeroProblems(env: Environment): string[] {
  try {
    void env.omero;
    return [];
  } catch (error) {
    if (error instanceof OmeroConfigError) return error.problems;
    throw error;
  }
}

function pick(from: object, keys: readonly string[]): Record<string, string | undefined> {
  const values = from as Record<string, string | undefined>;
  return Object.fromEntries(keys.map((key) => [key, values[key]]));
}
