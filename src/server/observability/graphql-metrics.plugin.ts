import type { ApolloServerPlugin } from '@apollo/server';
import { boundedLabel, type ServerMetrics } from './server-metrics';

/** Distinct operation names kept as labels; later new names count as `other`. */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** GraphQL durations by operation name, type and outcome, and the error codes answered. */
export function graphqlMetricsPlugin<T extends object>(
  metrics: ServerMetrics,
): ApolloServerPlugin<T> {
  const knownNames = new Set<string>();
  // Clients choose operation names: bound them, or each new name would be a new time series.
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (knownNames.has(name)) return name;
    if (knownNames.size >= MAX_OPERATION_NAMES) return 'other';
    knownNames.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const endTimer = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse({ operationName, operation, response }) {
          const errors =
            response.body.kind === 'single'
              ? (response.body.singleResult.errors ?? [])
              : (response.body.initialResult.errors ?? []);
          for (const error of errors) {
            metrics.errors.inc({ code: boundedLabel(error.extensions?.code) });
          }
          endTimer({
            operation: operationLabel(operationName),
            type: operation?.operation ?? 'none',
            outcome: errors.length ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
