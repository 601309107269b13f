import { createLogger } from '../../src/shared/logger';
import { readChanges, SignalsPump } from '../../src/signals';
import { startTestServer, type TestServer } from '../support/test-server';

/** The pump in a server process: changes recorded without anyone calling the refresher. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ signalsPump: true });
});
afterAll(() => t.close());

async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('nothing recorded in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('an API write is recorded on the change feed by the running pump', async () => {
  await t.query(
    `mutation { upsertAccount(input: { externalId: "pumped", name: "Pumped" }) { id } }`,
  );
  const change = await eventually(async () => {
    const rows = await readChanges(t.db.dataSource, { first: 100, topic: 'account_view' });
    return rows.find((r) => r.cause === 'CREATED');
  });
  expect(change.changes.isTest).toEqual({ old: null, new: false });
});

test('the daily slide runs once per UTC day, whichever server asks first', async () => {
  const logger = createLogger('silent');
  const day = new Date('2031-05-05T10:00:00Z');
  const pump = (now: Date) =>
    new SignalsPump(t.db.dataSource, t.services.signals.refresher, logger, { now: () => now });
  // Not null: it ran (the running pump may have refreshed the touched account first).
  expect(await pump(day).runDailySlideIfDue()).not.toBeNull();
  expect(await pump(new Date('2031-05-05T23:59:00Z')).runDailySlideIfDue()).toBeNull();
  expect(await pump(new Date('2031-05-06T00:01:00Z')).runDailySlideIfDue()).not.toBeNull();
  const [row] = await t.db.dataSource.query(
    `SELECT last_run_on::text AS day FROM signals_schedule WHERE job = 'daily_slide'`,
  );
  expect(row.day).toBe('2031-05-06');
});
