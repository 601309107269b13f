import http from 'node:http';
import { listenForCommittedWrites } from '../db/write-notifications';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';
import { createIngestRouter } from '../ingest/ingest.router';
import type { Logger } from '../shared/logger';
import { requireApiKey } from './auth';
import type { RequestContext } from '../context/request-context';
import { badRequestStatusPlugin, createErrorFormatter } from './graphql/format-error';
import { createLoaders } from './graphql/loaders';
import { operationScopesPlugin } from './graphql/operation-scopes';
import { parseOptions, queryLimitRules, queryLimitsPlugin } from './graphql/query-limits';
import { buildHarmonySchema } from './graphql/schema';
import { attachSubscriptionServer } from './graphql/subscription-server';
import { serviceUnavailableStatusPlugin } from './graphql/unavailable-status';
import { ResponseCache } from './graphql/response-cache';
import { answerResponseCacheHitsFirst } from './response-cache-front';
import { PersistedQueryStore } from '../cache/persisted-queries';
import { healthHandler, readyHandler } from './health';
import { createObservability } from './observability';
import { sendIfUnavailable } from './unavailable-response';
import { SignalsPump } from '../signals';
import { signalsViewProvider, ThresholdTrigger } from '../signals/thresholds';
import type { Services } from './services';
import { corsMiddleware } from './cors';
import { createConsoleRouter, redirectBrowsersToConsole } from './console';

export type HarmonyServer = {
  httpServer: http.Server;
  /** Starts listening; resolves with the port actually bound. */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting requests and waits for those in flight. */
  close(): Promise<void>;
};

/** Wires HTTP, GraphQL, auth and health around the given services. */
export async function createServer(services: Services, logger: Logger): Promise<HarmonyServer> {
  const observability = createObservability(services, logger);
  // From here on, what the server logs while serving a request carries the request's id.
  logger = observability.logger;
  const app = express();
  app.disable('x-powered-by');
  app.use(observability.observeRequests);
  const schema = await buildHarmonySchema();
  const responseCache = new ResponseCache(services.cache, logger);
  // Response cache hits are answered before Express; everything else reaches the app unchanged.
  const httpServer = http.createServer(
    answerResponseCacheHitsFirst(
      {
        responseCache,
        apiKeys: services.apiKeys,
        corsOrigins: services.config.corsOrigins,
        countHit: observability.countCachedGraphqlHit,
      },
      app,
    ),
  );
  let shuttingDown = false;

  // GraphQL subscriptions (graphql-ws) share the HTTP server and the /graphql path.
  const subscriptions = attachSubscriptionServer({
    httpServer,
    schema,
    services,
    logger,
    limits: {
      maxConnections: services.config.wsMaxConnections,
      maxConnectionsPerKey: services.config.wsMaxConnectionsPerKey,
      maxSubscriptionsPerConnection: services.config.wsMaxSubscriptionsPerConnection,
    },
  });
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError: createErrorFormatter(logger),
    validationRules: queryLimitRules(),
    parseOptions,
    introspection: true,
    // Internals stay in the log; clients get the message and the code.
    includeStacktraceInErrorResponses: false,
    // A dashboard sends its query's hash; the text is kept in Redis (or in process) by hash.
    persistedQueries: {
      cache: new PersistedQueryStore(
        services.cache.store,
        services.cache.keys.prefix,
        services.config.persistedQueryTtlSeconds,
      ),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      subscriptions.drainPlugin,
      operationScopesPlugin(),
      queryLimitsPlugin(schema),
      // A 503 (database down, no capacity) wins over a 400 set by the next plugin.
      serviceUnavailableStatusPlugin(),
      badRequestStatusPlugin(),
      observability.graphqlPlugin,
      // Apollo's landing page loads its Sandbox from a CDN; browsers get /console instead.
      ApolloServerPluginLandingPageDisabled(),
      // Harmony sets no cache hints; Apollo's default plugin would wrap every resolver to read them.
      ApolloServerPluginCacheControlDisabled(),
      responseCache.plugin(schema),
    ],
  });
  await apollo.start();
  await services.apiKeys.startListening(logger);
  await services.push.start(logger);
  const signalsPump = new SignalsPump(services.dataSource, services.signals.refresher, logger);
  // PQL scores fill the account views; thresholds follow the same touched accounts.
  const thresholdTrigger =
    services.config.thresholdsOnWrites && services.config.signalsPump
      ? new ThresholdTrigger(services.thresholds, logger)
      : undefined;
  services.signals.refresher.addScoreProvider(
    signalsViewProvider(services.scores, thresholdTrigger),
  );
  await services.thresholds
    .ensureCatalog()
    .catch((err) => logger.error({ err }, 'signals: loading schema/thresholds failed'));
  // The segment catalog loads in the background (a start is never held up; a failure is logged).
  void services.signals
    .ensureCatalog()
    .catch((err) => logger.error({ err }, 'signals: loading schema/segments failed'));
  if (services.config.signalsPump) await signalsPump.start();
  const writesListener = await listenForCommittedWrites(
    services.dataSource,
    logger,
    services.cache.generations,
  );
  await services.live.start(logger);

  app.get('/health', healthHandler(services));
  app.get('/metrics', observability.metricsEndpoint);
  app.get(
    '/ready',
    readyHandler(services, () => shuttingDown),
  );
  const cors = corsMiddleware(services.config.corsOrigins);
  app.use('/console', createConsoleRouter());
  app.get('/', redirectBrowsersToConsole);
  app.use(
    '/graphql',
    cors,
    redirectBrowsersToConsole,
    requireApiKey(services),
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        principal: req.principal!,
        services,
        loaders: createLoaders(services.dataSource),
      }),
    }),
  );
  app.use('/v1', cors, createIngestRouter(services, logger));
  app.use((_request, response) => {
    response
      .status(404)
      .json({ error: 'not_found', message: 'No such endpoint; GraphQL is at /graphql' });
  });
  app.use(httpErrorHandler(logger));

  return {
    httpServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    close: async () => {
      shuttingDown = true;
      await apollo.stop();
      if (httpServer.listening)
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await services.apiKeys.stopListening();
      await services.push.stop();
      await signalsPump.stop();
      await thresholdTrigger?.stop();
      await writesListener.close();
      await services.live.stop();
    },
  };
}

/** Body-parser and other HTTP-level failures become JSON 4xx answers, never an HTML 500. */
function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _request, response, _next) => {
    if (sendIfUnavailable(error, response)) return;
    const status = Number(error?.status ?? error?.statusCode ?? 500);
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
      const message =
        status === 413 ? 'Request body too large' : `Invalid request: ${error.message}`;
      response.status(status).json({ errors: [{ message, extensions: { code } }] });
      return;
    }
    logger.error({ err: error }, 'unhandled HTTP error');
    response.status(500).json({
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  };
}
