import { Registry } from 'prom-client';
import type { Services } from '../../context/services';
import type { Logger } from '../../shared/logger';
import { graphqlMetricsPlugin } from './graphql-metrics.plugin';
import { metricsEndpoint } from './metrics-endpoint';
import { observeRequests } from './observe-requests';
import { requestScopedLogger } from './request-context';
import { createServerMetrics } from './server-metrics';

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
  };
}
