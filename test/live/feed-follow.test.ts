import { LiveService } from '../../src/live';
import { MetricsService } from '../../src/metrics';
import { recordChanges, sequenceChanges, type RecordedChange } from '../../src/signals';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Following the change feed by cursor, below GraphQL: a follower that starts behind catches up
 * from the table while changes keep being numbered, then takes the live ones, and sees every
 * change of its topic once, in order.
 */
let db: TestDatabase;
let live: LiveService;
beforeAll(async () => {
  db = await createTestDatabase();
  live = new LiveService(db.dataSource, () => new MetricsService(db.dataSource));
  await live.start(createLogger('silent'));
});
afterAll(async () => {
  await live.stop();
  await db.drop();
});

async function record(count: number, topic: string) {
  for (let i = 0; i < count; i++) {
    await recordChanges(db.dataSource, [
      { topic, accountId: null, cause: 'UPSERT', changes: { n: { old: i, new: i + 1 } } },
    ]);
    await sequenceChanges(db.dataSource);
  }
}

async function take(iterator: AsyncIterableIterator<RecordedChange>, count: number) {
  const seqs: string[] = [];
  while (seqs.length < count) seqs.push((await iterator.next()).value.seq);
  return seqs;
}

async function seqsOf(topic: string): Promise<string[]> {
  const rows: Array<{ seq: string }> = await db.dataSource.query(
    `SELECT seq::text AS seq FROM change_feed WHERE topic = $1 ORDER BY change_feed.seq`,
    [topic],
  );
  return rows.map((row) => row.seq);
}

test('a follower from cursor 0 catches up while changes keep coming, then follows live', async () => {
  await record(30, 'account_view');
  const follower = live.feedChanges({ topic: 'account_view' }, '0');
  const writing = Promise.all([record(40, 'account_view'), record(20, 'other')]);
  const seqs = await take(follower, 70);
  await writing;
  expect(seqs).toEqual(await seqsOf('account_view'));
  await record(3, 'account_view');
  expect([...seqs, ...(await take(follower, 3))]).toEqual(await seqsOf('account_view'));
  await follower.return!();
});
