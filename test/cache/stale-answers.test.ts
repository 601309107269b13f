import { Client } from 'pg';
import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';
import { mrrAt, uniquePrefix } from './support/cache-fixture';

/**
 * Grace: when PostgreSQL cannot answer in time, the last answer is served, saying so
 * (`source: STALE`, with its real computedAt), instead of an error; once PostgreSQL answers
 * again, the next query is computed anew.
 */
const MRR_QUERY = `{ metric(name: "mrr", window: { from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }) {
  total freshness { computedAt cacheHit source } } }`;

let t: TestServer;
let holder: Client;

beforeAll(async () => {
  // A short statement timeout, so a query stuck behind a lock gives up quickly.
  t = await startTestServer({ cachePrefix: uniquePrefix('stale'), statementTimeoutMs: 1000 });
  await loadFixture(t.db.dataSource);
  holder = new Client({ connectionString: t.db.url });
  await holder.connect();
}, 60_000);

afterAll(async () => {
  await holder.end();
  await t.close();
});

test('an answer invalidated while PostgreSQL cannot answer is served as STALE', async () => {
  const expected = await mrrAt(t.db.dataSource, '2025-03-01T00:00:00Z');
  const first = (await t.query(MRR_QUERY)).metric;
  expect(first).toMatchObject({
    total: expected,
    freshness: { cacheHit: false, source: 'DATABASE' },
  });

  // An entity write invalidates the answer (it bumps the accounts generation)...
  const [{ external_id: externalId }] = await t.db.dataSource.query(
    `SELECT external_id FROM accounts ORDER BY id LIMIT 1`,
  );
  await t.query(
    `mutation { upsertAccount(input: { externalId: "${externalId}", name: "Renamed" }) { id } }`,
  );
  // ...and then PostgreSQL cannot answer: every metric statement waits on this lock and times out.
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
  try {
    const stale = await t.graphql(MRR_QUERY);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data.metric).toEqual({
      total: expected,
      freshness: { computedAt: first.freshness.computedAt, cacheHit: true, source: 'STALE' },
    });
  } finally {
    await holder.query('ROLLBACK');
  }

  const after = (await t.query(MRR_QUERY)).metric;
  expect(after.total).toBe(expected);
  expect(after.freshness.source).toBe('DATABASE');
  expect(after.freshness.computedAt > first.freshness.computedAt).toBe(true);
}, 60_000);
