import type { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';

/** The request id of the HTTP request being served, so every log line inside it carries it. */
const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Header names whose values must never reach a log line. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.headers["upload-metadata"]',
];

const baseOptions = (level: string): pino.LoggerOptions => ({
  level,
  base: { service: 'omero-uploader' },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: REDACTED, censor: '[redacted]' },
});

/** The application's logger: JSON lines on stdout, tagged with the current request's id. */
export function createRootLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      ...baseOptions(level),
      mixin: () => {
        const store = requestContext.getStore();
        return store ? { requestId: store.requestId } : {};
      },
    },
    destination ?? pino.destination(1),
  );
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The GraphQL operation each request carried, for its log line (see nameOperation). */
const operationNames = new WeakMap<IncomingMessage, string>();

/** Records which GraphQL operation a request carries, so that its log line names it. */
export function nameOperation(req: IncomingMessage, name: string | undefined): void {
  if (name) operationNames.set(req, name.slice(0, 128));
}

/**
 * Express middleware: gives each request an id (the caller's `X-Request-Id` when it is a sane
 * token, else a UUID), echoes it in the response and logs one line per completed request.
 * Query strings are dropped from the logged URL because they can carry tokens. The URL is
 * Express's `originalUrl`: routers mounted on a path (GraphQL's at /graphql) rewrite `url` to
 * the part below their mount point while they handle the request.
 *
 * One logger for all requests and one listener per request, rather than pino-http's child
 * logger per request: on the upload path every object a request keeps alive is copied to V8's
 * old generation (see docs/upload-performance.md), and this is the path of every uploaded byte.
 */
export function requestLogging(level: string, destination?: pino.DestinationStream) {
  const logger = pino(baseOptions(level), destination ?? pino.destination(1));
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = Date.now();
    // 'close' comes after 'finish', and alone when the client went away before the answer.
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : undefined;
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
      const line = {
        requestId,
        req: { method: req.method, url: url?.split('?')[0], remoteAddress: req.socket.remoteAddress },
        operationName: operationNames.get(req),
        res: { statusCode: status ?? null },
        responseTime: Date.now() - started,
      };
      if (status === undefined) logger.warn(line, 'request aborted by the client');
      else if (status >= 500) logger.error(line, 'request failed');
      else if (status >= 400) logger.warn(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    requestContext.run({ requestId }, next);
  };
}

/** Nest contexts that log one line per module and route at boot: useful when debugging only. */
const BOOT_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'GraphQLModule']);

/** Nest's logger interface on top of pino, so framework and app logs share one JSON format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]) {
    const context = params.at(-1);
    this.write(typeof context === 'string' && BOOT_CHATTER.has(context) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }

  /** Nest passes the context (class name) last, and for errors a stack before it. */
  private write(level: pino.Level, message: unknown, params: unknown[]) {
    const context = typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
    const stack = typeof params[0] === 'string' && params[0].includes('\n    at ') ? params.shift() : undefined;
    const fields: Record<string, unknown> = { context };
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
