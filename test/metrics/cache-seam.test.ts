import { createAnswerCache, MemoryStore } from '../../src/cache';
import { MetricsService } from '../../src/metrics';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { loadFixture } from './support/fixture';

/** The caching seam: keys carry the definition version and the query, hits say so. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await loadFixture(db.dataSource);
});
afterAll(() => db.drop());

test('a second identical query is a hit; another window or a new version is a miss', async () => {
  const cache = createAnswerCache({ prefix: 'seam:' });
  const written: string[] = [];
  const store = cache.store as MemoryStore;
  const setMany = store.setMany.bind(store);
  store.setMany = async (entries) => {
    written.push(...entries.map((e) => e.key));
    return setMany(entries);
  };
  const metrics = new MetricsService(db.dataSource, { cache });
  const june = {
    window: { from: new Date('2025-06-01T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z') },
  };
  const first = await metrics.query('active_users', june);
  expect(first.freshness.cacheHit).toBe(false);
  const second = await metrics.query('active_users', june);
  expect(second.freshness.cacheHit).toBe(true);
  expect(second.total).toBe(8);
  const may = {
    window: { from: new Date('2025-05-01T00:00:00Z'), to: new Date('2025-06-01T00:00:00Z') },
  };
  expect((await metrics.query('active_users', may)).freshness.cacheHit).toBe(false);
  await metrics.define(
    {
      definition: {
        name: 'active_users',
        label: 'Active users',
        description: 'Distinct users with an event in the bucket (changed).',
        owner: 'product',
        unit: 'count',
        type: 'usage',
        measure: 'active_users',
        dimensions: ['plan'],
      },
    },
    'new description',
    'tests',
  );
  const afterChange = await metrics.query('active_users', june);
  expect(afterChange.freshness.cacheHit).toBe(false);
  expect(afterChange.definition.version).toBe(2);
  expect(written).toHaveLength(3);
  expect(written.every((key) => key.startsWith('seam:a:metric:active_users:v'))).toBe(true);
});
