import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CATALOG_DIR, loadCatalog, MetricsService } from '../../src/metrics';
import type { HarmonyError } from '../../src/shared/errors';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Editing the YAML catalog versions what changed; the API's own changes are not undone. */
let db: TestDatabase;
let dir: string;
let metrics: MetricsService;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmony-catalog-'));
  for (const file of fs.readdirSync(CATALOG_DIR)) {
    fs.copyFileSync(path.join(CATALOG_DIR, file), path.join(dir, file));
  }
  metrics = new MetricsService(db.dataSource, { catalogDir: dir });
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

const edit = (file: string, from: string, to: string) => {
  const full = path.join(dir, file);
  const text = fs.readFileSync(full, 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(full, text.replace(from, to));
};

async function syncError(): Promise<HarmonyError> {
  try {
    await metrics.syncCatalog('tests');
  } catch (error) {
    return error as HarmonyError;
  }
  throw new Error('expected the sync to fail');
}

test('a YAML edit makes a new version naming the file; unchanged metrics keep theirs', async () => {
  expect((await metrics.syncCatalog('first sync')).sort()).toEqual(
    loadCatalog(dir)
      .map((entry) => entry.definition.name)
      .sort(),
  );
  edit(
    'usage.yml',
    'description: Distinct users with at least one event in the bucket.',
    'description: Distinct users with an event in the bucket.',
  );
  expect(await metrics.syncCatalog('second sync')).toEqual(['active_users']);
  const versions = await metrics.versions('active_users');
  expect(versions.map((v) => [v.version, v.changedBy, v.reason])).toEqual([
    [1, 'first sync', 'added in schema/metrics/usage.yml'],
    [2, 'second sync', 'schema/metrics/usage.yml changed'],
  ]);
  expect((await metrics.definition('active_users')).definition.description).toBe(
    'Distinct users with an event in the bucket.',
  );
});

test('a change made through defineMetric survives a sync of unchanged YAML', async () => {
  const mrr = (await metrics.definition('mrr')).definition;
  await metrics.define(
    { definition: { ...mrr, description: 'MRR, as finance reports it.' } },
    'wording from finance',
    'admin key',
  );
  expect(await metrics.syncCatalog('restart')).toEqual([]);
  expect((await metrics.definition('mrr')).version).toBe(2);
});

test('bad YAML fails the sync with INVALID_METRIC_DEFINITION naming file, metric and field', async () => {
  edit('revenue.yml', '    measure: arpa\n', '    measure: arpa\n    colour: red\n');
  expect((await syncError()).details).toEqual({
    file: 'schema/metrics/revenue.yml',
    metric: 'arpa',
    field: 'colour',
  });
  edit('revenue.yml', '    colour: red\n', '');
  edit('growth.yml', '(arr - arr_month_before) / arr_month_before', 'arr_growth_rate * 2');
  const cycle = await syncError();
  expect(cycle.code).toBe('INVALID_METRIC_DEFINITION');
  expect(cycle.message).toContain('cycle between metrics: arr_growth_rate -> arr_growth_rate');
  edit('growth.yml', 'arr_growth_rate * 2', '(arr - arr_month_before) / arr_month_before');
  fs.appendFileSync(
    path.join(dir, 'usage.yml'),
    [
      '  - name: ghost_views',
      '    label: Ghost views',
      '    description: Views of an event nobody sends.',
      '    owner: tests',
      '    unit: count',
      '    type: count',
      '    event: no_such_event',
      '',
    ].join('\n'),
  );
  const unknownEvent = await syncError();
  expect(unknownEvent.details).toEqual({
    file: 'schema/metrics/usage.yml',
    metric: 'ghost_views',
    field: 'event',
  });
  expect(unknownEvent.message).toContain('unknown event "no_such_event"');
});
