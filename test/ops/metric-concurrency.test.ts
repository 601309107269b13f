import { ConfigError, loadConfig } from '../../src/config/config';
import { MetricExecutor } from '../../src/metrics/executor';
import type { HarmonyError } from '../../src/shared/errors';
import { useDatabaseWithLockHolder } from './support/lock-holder';

const LOCK = 4242;
/** A metric statement that waits while the test holds the advisory lock. */
const WAITING_STATEMENT = {
  sql: `SELECT 1 AS value FROM (SELECT pg_advisory_xact_lock_shared(${LOCK})) AS waited`,
  params: [],
};

const t = useDatabaseWithLockHolder();

async function advisoryWaiters(): Promise<number> {
  const [{ n }] = await t.db.dataSource.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event = 'advisory'`,
  );
  return n;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached in 20 s');
}

test('at most maxConcurrent metric statements hold a connection; the others wait for a slot', async () => {
  const executor = new MetricExecutor(t.db.dataSource, 30_000, { maxConcurrent: 2 });
  await t.holder.query('SELECT pg_advisory_lock($1)', [LOCK]);
  const runs = Array.from({ length: 5 }, () => executor.run(WAITING_STATEMENT));
  await until(async () => (await advisoryWaiters()) === 2);
  expect([executor.slots.running, executor.slots.waiting]).toEqual([2, 3]);
  expect(await advisoryWaiters()).toBe(2);

  await t.holder.query('SELECT pg_advisory_unlock($1)', [LOCK]);
  expect(await Promise.all(runs)).toEqual(Array(5).fill([{ value: 1 }]));
  expect([executor.slots.running, executor.slots.waiting]).toEqual([0, 0]);
});

test('a statement that finds no slot in time is refused with SERVICE_UNAVAILABLE naming the limit', async () => {
  const executor = new MetricExecutor(t.db.dataSource, 30_000, {
    maxConcurrent: 1,
    slotWaitMs: 200,
  });
  await t.holder.query('SELECT pg_advisory_lock($1)', [LOCK]);
  const first = executor.run(WAITING_STATEMENT);
  const refused = (await executor.run(WAITING_STATEMENT).catch((e) => e)) as HarmonyError;
  expect(refused.code).toBe('SERVICE_UNAVAILABLE');
  expect(refused.message).toBe(
    'All 1 metric evaluation slots (HARMONY_METRIC_CONCURRENCY) stayed busy for 200 ms; retry later',
  );
  expect(refused.details).toEqual({ limit: 1, retryAfterSeconds: 2 });
  await t.holder.query('SELECT pg_advisory_unlock($1)', [LOCK]);
  expect(await first).toEqual([{ value: 1 }]);
  expect(executor.slots.waiting).toBe(0);
});

test('the limit defaults to half the pool and may not exceed it', () => {
  expect(loadConfig({ HARMONY_DB_POOL_SIZE: '10' }).metricConcurrency).toBe(5);
  expect(loadConfig({ HARMONY_DB_POOL_SIZE: '1' }).metricConcurrency).toBe(1);
  expect(loadConfig({ HARMONY_METRIC_CONCURRENCY: '3' }).metricConcurrency).toBe(3);
  expect(() => loadConfig({ HARMONY_DB_POOL_SIZE: '4', HARMONY_METRIC_CONCURRENCY: '5' })).toThrow(
    new ConfigError(
      'Invalid configuration in the environment:\n  HARMONY_METRIC_CONCURRENCY: must be at most HARMONY_DB_POOL_SIZE (4), got 5',
    ),
  );
});
