import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GraphQLError, type GraphQLSchema, NoSchemaIntrospectionCustomRule, specifiedRules, validate } from 'graphql';
import type { Context, Disposable } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { AuthUser } from '../auth/auth-user.js';
import { AuthService } from '../auth/auth.service.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../database/database-errors.js';
import { Environment } from '../environment/environment.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import {
  CREDENTIALS_CHANGED,
  type CredentialsChange,
  PERMISSIONS_CHANGED,
  reasonToClose,
} from './credentials-change.js';
import { GRAPHQL_PATH } from './graphql-options.js';
import { checkQuery } from './query-limits.js';

/** graphql-ws close code for a connection whose credentials are missing or refused. */
const WS_UNAUTHORIZED = 4401;
/** graphql-ws close code for a connection whose permissions changed (a role taken away). */
const WS_FORBIDDEN = 4403;
/** WebSocket close code "try again later": graphql-ws clients reconnect by themselves after it. */
const WS_TRY_AGAIN_LATER = 1013;

const WS_LIMITS = {
  /**
   * Bytes of one WebSocket message. ws refuses a longer frame from its header (close 1009),
   * before reading it; the default, 100 MiB, let an anonymous client park that much in memory.
   * The largest operation allowed (QUERY_LIMITS.maxCharacters) plus its variables fits.
   */
  maxPayloadBytes: 256 * 1024,
  /** A socket that has not sent connection_init by then is closed (4408). */
  connectionInitWaitMs: 3_000,
  /**
   * How often every open connection's credentials are checked again: the backstop for a
   * revocation whose notification was missed (the listener was reconnecting, say).
   */
  recheckIntervalMs: 30_000,
} as const;

/** The WebSocket's per-connection state, kept on graphql-ws's `extra`. */
type ConnectionState = {
  user?: AuthUser;
  authorization?: unknown;
  expiryTimer?: NodeJS.Timeout;
};
type Connection = Extra & ConnectionState;

type WsContext = Context<Record<string, unknown> | undefined, Connection>;

const sameRoles = (a: AuthUser, b: AuthUser) => a.roles.join() === b.roles.join();

/**
 * GraphQL over WebSocket (graphql-ws) at /graphql, owned here rather than by the GraphQL module
 * so that its limits (message size, connection_init wait) are set and its open connections are
 * known: a connection presents its token in the `connection_init` payload
 * ({"authorization": "Bearer <token>"}), and is closed, on every instance, within moments of
 * its user being disabled, deleted or given other roles, of its API token being revoked or
 * deleted (database triggers announce each on the PubSub, see credentials-change.ts), and when
 * its access token expires. Every operation checks the token again, and a periodic recheck
 * catches any announcement that was missed.
 */
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GraphqlWsServer.name);
  private readonly connections = new Set<Connection>();
  private wss?: WebSocketServer;
  private server?: Disposable;
  private httpServer?: HttpServer;
  private subscription?: number;
  private recheckTimer?: NodeJS.Timeout;
  /** The recheck round under way: with a slow database, rounds must not pile up on the pool. */
  private recheckRound?: Promise<void>;

  constructor(
    private readonly auth: AuthService,
    @Inject(PUB_SUB) private readonly pubsub: PgPubSub,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_LIMITS.maxPayloadBytes });
    this.server = useServer<Record<string, unknown> | undefined, ConnectionState>(
      {
        schema: this.schemaHost.schema,
        isProd: this.env.isProduction,
        connectionInitWaitTimeout: WS_LIMITS.connectionInitWaitMs,
        validate: (schema, document) => this.validate(schema, document),
        onConnect: (context: WsContext) => this.onConnect(context),
        onSubscribe: (context: WsContext, _id, payload) => this.onSubscribe(context, payload),
        onClose: (context: WsContext) => this.forget(context.extra),
        context: ({ extra }: WsContext) => ({
          // Resolvers and guards see the same `req.user` whichever transport carried the operation.
          req: { user: extra.user, headers: extra.request.headers, ip: extra.request.socket.remoteAddress },
        }),
      },
      this.wss,
    );
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    this.httpServer.on('upgrade', this.upgrade);
    this.subscription = await this.pubsub.subscribe(CREDENTIALS_CHANGED, (payload) =>
      this.credentialsChanged(payload as CredentialsChange),
    );
    this.recheckTimer = setInterval(() => {
      this.recheckRound ??= this.recheckAll().finally(() => (this.recheckRound = undefined));
    }, WS_LIMITS.recheckIntervalMs).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.recheckTimer);
    if (this.subscription !== undefined) this.pubsub.unsubscribe(this.subscription);
    this.httpServer?.off('upgrade', this.upgrade);
    await this.server?.dispose();
  }

  private readonly upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== GRAPHQL_PATH) {
      socket.destroy();
      return;
    }
    this.wss!.handleUpgrade(request, socket, head, (ws) => {
      // ws reports a client's protocol violations (a message over maxPayload, a bad frame) as
      // socket errors after closing with the matching code (1009, 1002); graphql-ws would print
      // each as an internal error with a stack. They are the client's doing: one warning.
      const emit = ws.emit.bind(ws);
      ws.emit = (event: string | symbol, ...args: unknown[]) => {
        const code = (args[0] as { code?: unknown } | undefined)?.code;
        if (event !== 'error' || typeof code !== 'string' || !code.startsWith('WS_ERR_')) return emit(event, ...args);
        this.logger.warn({ event: 'websocket_refused', code, message: (args[0] as Error).message });
        return true;
      };
      this.wss!.emit('connection', ws, request);
    });
  };

  private async onConnect(context: WsContext): Promise<boolean> {
    const params = context.connectionParams ?? {};
    const connection = context.extra;
    connection.authorization = params.authorization ?? params.Authorization;
    try {
      connection.user = await this.auth.authenticateAuthorization(connection.authorization);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // The credentials could not be checked, not refused: 4401 would send people to sign in.
        this.close(connection, WS_TRY_AGAIN_LATER, DATABASE_UNAVAILABLE_MESSAGE);
      } else {
        this.close(connection, WS_UNAUTHORIZED, error instanceof AppError ? error.message : 'Authentication failed.');
      }
      return false;
    }
    // The client may have gone while its token was checked: graphql-ws has already run
    // onClose then, so a connection kept now would never be forgotten.
    if (connection.socket.readyState !== WebSocket.OPEN) return false;
    this.connections.add(connection);
    const expiresAt = connection.user.expiresAt;
    if (expiresAt) {
      // setTimeout cannot wait longer than 2^31 - 1 ms; the periodic recheck covers such tokens.
      const delay = expiresAt.getTime() - Date.now();
      if (delay < 2 ** 31) {
        connection.expiryTimer = setTimeout(
          () => this.close(connection, WS_UNAUTHORIZED, 'Your session has expired. Sign in again.'),
          delay,
        ).unref();
      }
    }
    return true;
  }

  private async onSubscribe(
    context: WsContext,
    payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
  ): Promise<readonly GraphQLError[] | undefined> {
    const connection = context.extra;
    const refusal = await this.recheck(connection);
    if (refusal) return [new GraphQLError(refusal.reason, { extensions: { code: refusal.code } })];
    const { error } = checkQuery(this.schemaHost.schema, payload.query, payload.variables, payload.operationName);
    return error ? [error] : undefined;
  }

  /** graphql-js validation, with HTTP's production rules: no introspection, no "Did you mean". */
  private validate(schema: GraphQLSchema, document: Parameters<typeof validate>[1]) {
    if (!this.env.isProduction) return validate(schema, document);
    return validate(schema, document, [...specifiedRules, NoSchemaIntrospectionCustomRule]).map(
      (error) => new GraphQLError(error.message.replace(/ ?Did you mean .+$/, ''), { nodes: error.nodes }),
    );
  }

  /**
   * Checks a connection's token again; closes the connection and says why when it no longer
   * holds, or when the user's roles changed (subscriptions opened under the old roles would
   * otherwise keep them). A database failure keeps the connection: the next check decides.
   */
  private async recheck(connection: Connection): Promise<{ reason: string; code: ErrorCode } | undefined> {
    let user: AuthUser;
    try {
      user = await this.auth.authenticateAuthorization(connection.authorization);
    } catch (error) {
      // The operation cannot run without the database either; the connection stays.
      if (isDatabaseUnavailable(error)) {
        return { reason: DATABASE_UNAVAILABLE_MESSAGE, code: ErrorCode.SERVICE_UNAVAILABLE };
      }
      if (!(error instanceof AppError)) return undefined;
      this.close(connection, WS_UNAUTHORIZED, error.message);
      return { reason: error.message, code: ErrorCode.UNAUTHENTICATED };
    }
    if (connection.user && !sameRoles(connection.user, user)) {
      const reason = PERMISSIONS_CHANGED;
      this.close(connection, WS_FORBIDDEN, reason);
      return { reason, code: ErrorCode.FORBIDDEN };
    }
    connection.user = user;
    return undefined;
  }

  private async recheckAll(): Promise<void> {
    for (const connection of [...this.connections]) {
      await this.recheck(connection).catch((error: unknown) => this.logger.warn(`recheck failed: ${String(error)}`));
    }
  }

  /**
   * Runs in the order notifications arrive, before any later event is dispatched: no event
   * committed after the change reaches a connection that the change closes.
   */
  private credentialsChanged(change: CredentialsChange): void {
    for (const connection of this.connections) {
      if (!connection.user) continue;
      const close = reasonToClose(change, connection.user);
      if (close) this.close(connection, close.forbidden ? WS_FORBIDDEN : WS_UNAUTHORIZED, close.reason);
    }
  }

  private close(connection: Connection, code: number, reason: string): void {
    this.forget(connection);
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    connection.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  private forget(connection: Connection): void {
    clearTimeout(connection.expiryTimer);
    this.connections.delete(connection);
  }
}
