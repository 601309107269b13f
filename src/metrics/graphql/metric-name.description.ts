import { CATALOG_DIR, loadCatalog } from '../catalog-loader';

/**
 * The description of every `name`/`names` argument that takes a metric: the shipped catalog
 * (schema/metrics/*.yml), read when the schema is built, so an IDE shows the names while
 * typing. Names stay strings: a metric added with defineMetric is queried the same way.
 */
function catalogList(): string {
  try {
    return loadCatalog(CATALOG_DIR)
      .map(({ definition }) => `${definition.name} (${definition.label})`)
      .join(', ');
  } catch {
    return 'see metricDefinitions';
  }
}

const CATALOG = catalogList();

export const METRIC_NAME_DESCRIPTION =
  `The metric's name. Shipped catalog: ${CATALOG}. ` +
  'Metrics added with defineMetric are queried by their name too; metricDefinitions lists them all.';

export const METRIC_NAMES_DESCRIPTION =
  `Metric names, at most 20. Shipped catalog: ${CATALOG}. ` +
  'Metrics added with defineMetric are queried by their name too; metricDefinitions lists them all.';
