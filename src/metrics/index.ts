/** The metrics engine as the rest of Harmony uses it. */
export { MetricsService, type MetricAnswer, type MetricsServiceOptions } from './metrics.service';
export { createMetricLoaders } from './graphql/metric.loaders';
export { MetricResolver, MetricDefinitionResolver } from './graphql/metric.resolver';
export { AccountMetricResolver } from './graphql/account-metric.resolver';
export { loadCatalog, CATALOG_DIR } from './catalog-loader';
export type { WindowRequest } from './windows';
export type { FreshnessTier } from './definition';
export { WindowInput } from './graphql/metric.inputs';
export { MetricWindow, FreshnessTierEnum } from './graphql/metric.types';
export { TargetService } from './targets/targets.service';
export { TargetResolver } from './graphql/target.resolver';
