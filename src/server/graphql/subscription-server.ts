import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { hashApiKey, hasScope, type Principal } from '../../domain/api-key/api-key.service';
import { HarmonyError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { GRAPHQL_SCOPES } from '../auth';
import { isAllowedWebSocketOrigin } from '../cors';
import type { Services } from '../services';
import { createErrorFormatter } from './format-error';
import { createLoaders } from './loaders';
import { assertOperationScope } from './operation-scopes';
import { assertWithinLimits, parseOptions, queryLimitRules } from './query-limits';

/** Close codes beyond graphql-ws's own (4401 Unauthorized, 4403 Forbidden). */
const TOO_MANY_CONNECTIONS = 4429;
const TRY_AGAIN_LATER = 1013;
/** How often every connection's key is checked again, besides the revocation notifications. */
const REAUTHENTICATE_EVERY_MS = 30_000;
/** Largest WebSocket message accepted (a document is at most 10,000 tokens). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export type SubscriptionServerLimits = {
  maxConnections: number;
  maxConnectionsPerKey: number;
  maxSubscriptionsPerConnection: number;
};

/** What the server knows of one authenticated socket. */
type Connection = {
  key: string;
  keyHash: string;
  principal: Principal;
  operations: Set<string>;
};

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the HTTP server's `/graphql`: the same API
 * keys (`connectionParams: { authorization: "Bearer <key>" }`), scopes and query limits as
 * HTTP, a bounded number of connections and subscriptions, and sockets closed when their key is
 * revoked. The returned plugin closes every socket when Apollo drains.
 */
export function attachSubscriptionServer(options: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  limits: SubscriptionServerLimits;
}): { drainPlugin: ApolloServerPlugin; connectionCount(): number } {
  const { httpServer, schema, services, logger, limits } = options;
  const formatError = createErrorFormatter(logger);
  const rules = [...specifiedRules, ...queryLimitRules()];
  const connections = new Map<WebSocket, Connection>();
  const perKey = new Map<string, number>();

  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: MAX_MESSAGE_BYTES,
    // A page on another origin may open a socket only when HARMONY_CORS_ORIGINS lists it: browsers
    // send no preflight for WebSockets, so this is the only place the origin can be refused.
    verifyClient: ({ req }, done) =>
      isAllowedWebSocketOrigin(req, services.config.corsOrigins)
        ? done(true)
        : done(false, 403, 'Origin not allowed (HARMONY_CORS_ORIGINS)'),
  });
  // Registered before graphql-ws's own listener: a socket over the bound is closed at once.
  wsServer.on('connection', (socket) => {
    if (wsServer.clients.size > limits.maxConnections) {
      closeSocket(
        socket,
        TOO_MANY_CONNECTIONS,
        `Too many connections: this server accepts ${limits.maxConnections}`,
      );
    }
  });

  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => formatError(error.toJSON(), error));

  const release = (socket: WebSocket) => {
    const connection = connections.get(socket);
    if (!connection) return;
    connections.delete(socket);
    const left = (perKey.get(connection.keyHash) ?? 1) - 1;
    if (left > 0) perKey.set(connection.keyHash, left);
    else perKey.delete(connection.keyHash);
  };

  const cleanup = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect: async ({ extra: { socket }, connectionParams }) => {
        const refusal = await authenticateSocket(services, connectionParams);
        if ('code' in refusal) {
          closeSocket(socket, refusal.code, refusal.reason);
          return false;
        }
        const count = perKey.get(refusal.keyHash) ?? 0;
        if (count >= limits.maxConnectionsPerKey) {
          closeSocket(
            socket,
            TOO_MANY_CONNECTIONS,
            `Too many connections for the API key "${refusal.principal.name}": at most ` +
              `${limits.maxConnectionsPerKey} per server (HARMONY_WS_MAX_CONNECTIONS_PER_KEY)`,
          );
          return false;
        }
        perKey.set(refusal.keyHash, count + 1);
        connections.set(socket, { ...refusal, operations: new Set() });
        return true;
      },
      onClose: ({ extra: { socket } }) => release(socket),
      onSubscribe: async (ctx, id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) {
          return [new GraphQLError('Not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (connection.operations.size >= limits.maxSubscriptionsPerConnection) {
          return [
            harmonyError(
              new HarmonyError(
                'TOO_MANY_SUBSCRIPTIONS',
                `This connection already runs ${limits.maxSubscriptionsPerConnection} operations ` +
                  `(HARMONY_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one first or open ` +
                  `another connection`,
                { limit: limits.maxSubscriptionsPerConnection },
              ),
            ),
          ];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, parseOptions);
        } catch (error) {
          return [error as GraphQLError];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length) return invalid;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [
            new GraphQLError('Expected one operation, or an operationName naming one', {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ];
        }
        try {
          assertOperationScope(connection.principal, operation.operation);
          assertWithinLimits(schema, document, operation, payload);
        } catch (error) {
          return [error as GraphQLError];
        }
        connection.operations.add(id);
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: subscriptionContext(connection.principal, services),
        };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : undefined,
      onComplete: (ctx, id) => {
        connections.get(ctx.extra.socket)?.operations.delete(id);
      },
    },
    wsServer,
  );

  /** Closes the sockets whose key no longer opens GraphQL; refreshes the others' scopes. */
  const recheckKeys = async (keyHash: string | null) => {
    for (const [socket, connection] of connections) {
      if (keyHash && connection.keyHash !== keyHash) continue;
      let principal: Principal | null;
      try {
        principal = await services.apiKeys.authenticate(connection.key);
      } catch {
        continue; // The database is unreachable: keep the socket, check again later.
      }
      if (principal && GRAPHQL_SCOPES.some((scope) => hasScope(principal, scope))) {
        connection.principal = principal;
        continue;
      }
      logger.info({ key: connection.principal.name }, 'closing WebSocket: API key revoked');
      closeSocket(
        socket,
        CloseCode.Forbidden,
        'Forbidden: the API key was revoked or lost its scopes',
      );
      release(socket);
    }
  };
  const stopListening = services.apiKeys.onKeyChange((keyHash) => void recheckKeys(keyHash));
  const sweeper = setInterval(() => void recheckKeys(null), REAUTHENTICATE_EVERY_MS);
  sweeper.unref();

  return {
    connectionCount: () => wsServer.clients.size,
    drainPlugin: {
      async serverWillStart() {
        return {
          async drainServer() {
            clearInterval(sweeper);
            stopListening();
            // Completes every subscription and closes each socket with 1001 (going away).
            await cleanup.dispose();
          },
        };
      },
    },
  };
}

type Refusal = { code: number; reason: string };
type Accepted = { key: string; keyHash: string; principal: Principal };

/** Reads and checks the key of `connectionParams.authorization` ("Bearer <key>"). */
async function authenticateSocket(
  services: Services,
  params: Record<string, unknown> | undefined,
): Promise<Refusal | Accepted> {
  const header = params?.authorization ?? params?.Authorization;
  const key = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (!key) {
    return {
      code: CloseCode.Unauthorized,
      reason: 'Unauthorized: send connectionParams { authorization: "Bearer <key>" }',
    };
  }
  let principal: Principal | null;
  try {
    principal = await services.apiKeys.authenticate(key);
  } catch (error) {
    if (error instanceof HarmonyError && error.code === 'UNAUTHENTICATED')
      return { code: CloseCode.Forbidden, reason: `Forbidden: ${error.message}`.slice(0, 120) };
    return { code: TRY_AGAIN_LATER, reason: 'Service unavailable: try again later' };
  }
  if (!principal)
    return { code: CloseCode.Forbidden, reason: 'Forbidden: unknown or revoked API key' };
  if (!GRAPHQL_SCOPES.some((scope) => hasScope(principal, scope))) {
    return {
      code: CloseCode.Forbidden,
      reason: `Forbidden: the key has only the ${principal.scopes.join(', ')} scope; GraphQL needs read`,
    };
  }
  return { key, keyHash: hashApiKey(key), principal };
}

/** A HarmonyError as a GraphQL error the formatter gives its code. */
function harmonyError(error: HarmonyError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error });
}

/** Closes with a reason cut to the 123 bytes a close frame can carry. */
function closeSocket(socket: WebSocket, code: number, reason: string): void {
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  socket.close(code, text);
}

/**
 * The context of one operation on a socket. A subscription runs for hours and executes once per
 * event with this same context, so its loaders are renewed each turn of the event loop: one
 * event's fields are still batched, and no event reads what an earlier one cached.
 */
function subscriptionContext(principal: Principal, services: Services) {
  let loaders: ReturnType<typeof createLoaders> | undefined;
  return {
    principal,
    services,
    get loaders() {
      if (!loaders) {
        loaders = createLoaders(services.dataSource);
        setImmediate(() => (loaders = undefined));
      }
      return loaders;
    },
  };
}
