/** The metrics engine as the rest of Harmony uses it. */
export { MetricsService, type MetricAnswer, type MetricsServiceOptions } from './metrics.service';
export { createMetricLoaders } from './graphql/metric.loaders';
export { MetricResolver, MetricDefinitionResolver } from './graphql/metric.resolver';
export { AccountMetricResolver } from './graphql/account-metric.resolver';
export { loadCatalog, CATALOG_DIR } from './catalog-loader';
export { TargetService } from './targets/targets.service';
export { TargetResolver } from './graphql/target.resolver';
