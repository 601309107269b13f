import { CATALOG_DIR, loadCatalog, parseCatalogFile } from './catalog-loader';
import { validateCatalog } from './catalog-validation';
import type { MetricDefinition } from './definition';

const entry = (body: string) =>
  `metrics:\n  - name: m\n    label: M\n    description: d\n    owner: o\n    unit: count\n${body}`;

test('the shipped catalog has every metric PRODUCT.md lists', () => {
  const names = loadCatalog(CATALOG_DIR).map((e) => e.definition.name);
  // Beyond PRODUCT.md's list: the board's money metrics (schema/metrics/finance.yml).
  const finance = [
    'lifetime_revenue',
    'subscription_revenue',
    'operating_expenses',
    'cash_balance',
    'net_burn',
    'net_new_arr',
    'burn_multiple',
    'runway_months',
  ];
  expect(names.sort()).toEqual(
    [
      ...finance,
      'mrr',
      'arr',
      'new_mrr',
      'expansion_mrr',
      'contraction_mrr',
      'churned_mrr',
      'reactivation_mrr',
      'net_new_mrr',
      'arr_growth_rate',
      'nrr',
      'grr',
      'logo_churn_rate',
      'paying_accounts',
      'paid_account_ratio',
      'arpa',
      'active_users',
      'active_accounts',
      'admin_daily_active_account_ratio',
      'stickiness',
      'activation_rate',
      'pql_accounts',
    ].sort(),
  );
});

test('errors name the file, the metric and the field', () => {
  expect(() =>
    parseCatalogFile(
      'x.yml',
      entry('    type: usage\n    measure: active_users\n    colour: red\n'),
    ),
  ).toThrow('x.yml: metric "m", field "colour": ');
  expect(() =>
    parseCatalogFile('x.yml', entry('    type: usage\n    measure: daily_vibes\n')),
  ).toThrow('x.yml: metric "m", field "measure": ');
  expect(() => parseCatalogFile('x.yml', 'metrics: [\n')).toThrow(
    'x.yml: metric "-", field "-": not valid YAML',
  );
  expect(() => parseCatalogFile('x.yml', 'other: 1\n')).toThrow(
    'expected a top-level "metrics:" list',
  );
});

const def = (name: string, extra: Record<string, unknown>) =>
  ({
    name,
    label: name,
    description: 'd',
    owner: 'o',
    unit: 'count',
    tier: 'DAILY',
    dimensions: [],
    ...extra,
  }) as unknown as MetricDefinition;

test('references, cycles and unsupported dimensions are caught across the catalog', () => {
  const origin = { file: 'schema/metrics/growth.yml' };
  const mrr = { definition: def('mrr', { type: 'revenue', measure: 'mrr' }), origin };
  expect(() =>
    validateCatalog([
      mrr,
      { definition: def('r', { type: 'ratio', numerator: 'mrr', denominator: 'x' }), origin },
    ]),
  ).toThrow('schema/metrics/growth.yml: metric "r", field "numerator": unknown metric "x"');
  expect(() =>
    validateCatalog([
      { definition: def('a', { type: 'derived', expression: 'b * 2', inputs: {} }), origin },
      { definition: def('b', { type: 'derived', expression: 'a + 1', inputs: {} }), origin },
    ]),
  ).toThrow('cycle between metrics: a -> b -> a');
  expect(() =>
    validateCatalog([
      { definition: def('n', { type: 'revenue', measure: 'nrr', dimensions: ['plan'] }), origin },
    ]),
  ).toThrow('metric "n", field "dimensions": "plan" not supported');
  expect(() => validateCatalog([mrr, mrr])).toThrow('field "name": already defined in');
});
