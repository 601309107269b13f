import { Registry } from 'prom-client';
import type { Services } from '../../context/services';
import type { Logger } from '../../shared/logger';
import { graphqlMetricsPlugin } from './graphql-metrics.plugin';
import { metricsEndpoint } from './metrics-endpoint';
import { observeRequests } from './observe-requests';
import { requestScopedLogger } from './request-context';
import { createServerMetrics, type ServerMetrics } from './server-metrics';

/** Request ids in logs, Prometheus metrics and `GET /metrics`, for one server. */
export function createObservability(services: Services, root: Logger) {
  const metrics = createServerMetrics(services);
  return {
    /** Logs through the current request's child logger (its request id) when there is one. */
    logger: requestScopedLogger(root),
    observeRequests: observeRequests(metrics, root),
    metricsEndpoint: metricsEndpoint(
      Registry.merge([metrics.registry, services.push.metrics.registry]),
      services,
    ),
    graphqlPlugin: graphqlMetricsPlugin(metrics),
    countCachedGraphqlHit: countCachedGraphqlHit(metrics),
  };
}

/**
 * Counts a GraphQL request answered by the response cache in front of Express (no middleware
 * ran): the same histogram and labels as the Express path, with the children bound once.
 */
function countCachedGraphqlHit(metrics: ServerMetrics) {
  const byMethod = {
    GET: metrics.httpDuration.labels({ method: 'GET', route: '/graphql', status: '200' }),
    POST: metrics.httpDuration.labels({ method: 'POST', route: '/graphql', status: '200' }),
  };
  return (method: 'GET' | 'POST', seconds: number) => byMethod[method].observe(seconds);
}
