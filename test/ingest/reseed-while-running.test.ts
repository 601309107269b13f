import { clearHarmonyData } from '../../src/demo/demo-reset';
import { startTestServer, type TestServer } from '../support/test-server';
import { rollupDifferences, sendAcceptedBatch } from './support/ingest-helpers';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const send = async (batch: unknown[]) => {
  const answer = await sendAcceptedBatch(t.baseUrl, t.keys.ingest, batch);
  expect(answer.stored).toBe(batch.length);
};
const track = (messageId: string, userId: string, groupId: string, timestamp: string) => ({
  type: 'track',
  event: 'Report Viewed',
  messageId,
  userId,
  timestamp,
  context: { groupId },
});

test('after `seed --force` restarts the ids under a running server, events find the right rows', async () => {
  // The server learns first-user → 1 and acct-a → 1 (ids it then caches).
  await send([track('r-1', 'first-user', 'acct-a', '2026-03-01T10:00:00.000Z')]);
  await clearHarmonyData(t.db.dataSource);
  // Ids restart: second-user and acct-b now get id 1.
  await send([track('r-2', 'second-user', 'acct-b', '2026-03-02T10:00:00.000Z')]);
  await send([track('r-3', 'first-user', 'acct-a', '2026-03-03T10:00:00.000Z')]);

  const events = await t.db.dataSource.query(
    `SELECT e.message_id, u.external_id AS user, a.external_id AS account
     FROM events e JOIN users u ON u.id = e.user_id JOIN accounts a ON a.id = e.account_id
     ORDER BY e.message_id`,
  );
  expect(events).toEqual([
    { message_id: 'r-2', user: 'second-user', account: 'acct-b' },
    { message_id: 'r-3', user: 'first-user', account: 'acct-a' },
  ]);
  const seen = await t.db.dataSource.query(
    `SELECT external_id, last_seen_at FROM users ORDER BY id`,
  );
  expect(seen).toEqual([
    { external_id: 'second-user', last_seen_at: new Date('2026-03-02T10:00:00.000Z') },
    { external_id: 'first-user', last_seen_at: new Date('2026-03-03T10:00:00.000Z') },
  ]);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('a user deleted by hand under a running server is created again, not pointed at', async () => {
  await send([track('d-1', 'deleted-user', 'acct-d', '2026-04-01T10:00:00.000Z')]);
  await t.db.dataSource.query(`DELETE FROM users WHERE external_id = 'deleted-user'`);
  await send([track('d-2', 'deleted-user', 'acct-d', '2026-04-02T10:00:00.000Z')]);

  const events = await t.db.dataSource.query(
    `SELECT e.message_id, u.external_id AS user, u.last_seen_at
     FROM events e LEFT JOIN users u ON u.id = e.user_id
     WHERE e.message_id LIKE 'd-%' ORDER BY e.message_id`,
  );
  expect(events).toEqual([
    { message_id: 'd-1', user: null, last_seen_at: null },
    {
      message_id: 'd-2',
      user: 'deleted-user',
      last_seen_at: new Date('2026-04-02T10:00:00.000Z'),
    },
  ]);
});
