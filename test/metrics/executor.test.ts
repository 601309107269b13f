import { MetricExecutor } from '../../src/metrics/executor';
import type { HarmonyError } from '../../src/shared/errors';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Every metric statement runs under its own timeout, read-only. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

test('a statement past its timeout is cancelled with QUERY_TIMEOUT', async () => {
  const executor = new MetricExecutor(db.dataSource, 100);
  const error = (await executor
    .run({ sql: 'SELECT pg_sleep($1::float8) AS value', params: [2] })
    .catch((e) => e)) as HarmonyError;
  expect(error.code).toBe('QUERY_TIMEOUT');
  expect(error.details).toEqual({ timeoutMs: 100 });
  // The connection went back to the pool healthy.
  expect(await executor.run({ sql: 'SELECT 1 AS value', params: [] })).toEqual([{ value: 1 }]);
});

test('metric statements cannot write', async () => {
  const executor = new MetricExecutor(db.dataSource, 1000);
  await expect(
    executor.run({ sql: `DELETE FROM accounts RETURNING id AS value`, params: [] }),
  ).rejects.toThrow(/read-only transaction/);
});
