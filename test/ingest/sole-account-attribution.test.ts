import { startTestServer, type TestServer } from '../support/test-server';
import { postIngest, rollupDifferences, sendAcceptedBatch } from './support/ingest-helpers';

// An event without context.groupId belongs to the user's only account, whether the membership
// arrived before the event, after it, or in a concurrent batch: attribution must not depend on
// batch timing.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const rows = (sql: string, params: unknown[] = []) => t.db.dataSource.query(sql, params);

const track = (user: string, id: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  userId: user,
  event: 'Report Run',
  messageId: id,
  ...extra,
});

/** message id → external id of the event's account (null for none), for one user's events. */
async function accountsOfEvents(user: string): Promise<Record<string, string | null>> {
  const found = await rows(
    `SELECT e.message_id, a.external_id AS account FROM events e
     JOIN users u ON u.id = e.user_id LEFT JOIN accounts a ON a.id = e.account_id
     WHERE u.external_id = $1 ORDER BY e.message_id`,
    [user],
  );
  return Object.fromEntries(found.map((r: any) => [r.message_id, r.account]));
}

/** The user's activity rows, by account external id ('none' for account 0). */
async function activityAccounts(user: string): Promise<string[]> {
  const found = await rows(
    `SELECT DISTINCT coalesce(a.external_id, 'none') AS account FROM user_activity_daily d
     JOIN users u ON u.id = d.user_id LEFT JOIN accounts a ON a.id = d.account_id
     WHERE u.external_id = $1
     UNION
     SELECT DISTINCT coalesce(a.external_id, 'none') FROM user_activity_monthly m
     JOIN users u ON u.id = m.user_id LEFT JOIN accounts a ON a.id = m.account_id
     WHERE u.external_id = $1
     ORDER BY 1`,
    [user],
  );
  return found.map((r: any) => r.account);
}

test('events stored before the user had an account get it when the group call lands', async () => {
  const send = (batch: unknown[]) => sendAcceptedBatch(t.baseUrl, t.keys.ingest, batch);
  await send([
    track('late', 'late-1', { timestamp: '2026-02-01T10:00:00Z' }),
    track('late', 'late-2', { timestamp: '2026-03-05T10:00:00Z' }),
  ]);
  expect(await accountsOfEvents('late')).toEqual({ 'late-1': null, 'late-2': null });
  expect(await activityAccounts('late')).toEqual(['none']);

  await send([{ type: 'group', userId: 'late', groupId: 'late-acct', messageId: 'late-g' }]);
  expect(await accountsOfEvents('late')).toEqual({ 'late-1': 'late-acct', 'late-2': 'late-acct' });
  expect(await activityAccounts('late')).toEqual(['late-acct']);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
  const { account } = await t.query(`{ account(externalId: "late-acct") { lastSeenAt } }`);
  // The group call itself counts as seen now, later than both events.
  expect(new Date(account.lastSeenAt).getTime()).toBeGreaterThan(Date.parse('2026-03-05'));
});

test('an identify with context.groupId is a membership too', async () => {
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [track('idn', 'idn-1')]);
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
    { type: 'identify', userId: 'idn', context: { groupId: 'idn-acct' }, messageId: 'idn-i' },
  ]);
  expect(await accountsOfEvents('idn')).toEqual({ 'idn-1': 'idn-acct' });
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('concurrent batches of one client: events and the group call, in any order', async () => {
  for (let round = 0; round < 8; round++) {
    const user = `race-${round}`;
    const events = (part: number) =>
      Array.from({ length: 20 }, (_, i) =>
        track(user, `${user}-${part}-${i}`, {
          timestamp: new Date(Date.UTC(2026, 3, 1 + (i % 3), 12)).toISOString(),
        }),
      );
    const group = [
      { type: 'group', userId: user, groupId: `${user}-acct`, messageId: `${user}-g` },
    ];
    // Other clients' traffic keeps every lane of the writer busy, so batches overlap.
    const noise = (part: number) =>
      Array.from({ length: 30 }, (_, i) => track(`noise-${i % 5}`, `${user}-n${part}-${i}`));
    const batches = round % 2 ? [events(0), group, events(1)] : [group, events(0), events(1)];
    const answers = await Promise.all(
      [...batches, noise(0), noise(1)].map((batch) =>
        postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest),
      ),
    );
    expect(answers.map((a) => [a.status, a.body.rejected])).toEqual(answers.map(() => [200, []]));
    const accounts = Object.values(await accountsOfEvents(user));
    expect(accounts).toHaveLength(40);
    expect(new Set(accounts)).toEqual(new Set([`${user}-acct`]));
    expect(await activityAccounts(user)).toEqual([`${user}-acct`]);
  }
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('concurrent batches of two clients (never merged into one transaction)', async () => {
  for (let round = 0; round < 6; round++) {
    const user = `race2-${round}`;
    const events = Array.from({ length: 30 }, (_, i) => track(user, `${user}-${i}`));
    const group = [
      { type: 'group', userId: user, groupId: `${user}-acct`, messageId: `${user}-g` },
    ];
    const answers = await Promise.all([
      postIngest(t.baseUrl, 'batch', { batch: round % 2 ? events : group }, t.keys.ingest),
      postIngest(t.baseUrl, 'batch', { batch: round % 2 ? group : events }, t.keys.admin),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(new Set(Object.values(await accountsOfEvents(user)))).toEqual(new Set([`${user}-acct`]));
  }
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('a second account later: earlier events keep the first, new ones get none', async () => {
  const send = (batch: unknown[]) => sendAcceptedBatch(t.baseUrl, t.keys.ingest, batch);
  await send([track('two', 'two-1')]);
  await send([{ type: 'group', userId: 'two', groupId: 'two-a', messageId: 'two-ga' }]);
  await send([track('two', 'two-2')]);
  await send([{ type: 'group', userId: 'two', groupId: 'two-b', messageId: 'two-gb' }]);
  await send([track('two', 'two-3')]);
  // A third account does not decide for events stored while the user had two.
  await send([{ type: 'group', userId: 'two', groupId: 'two-c', messageId: 'two-gc' }]);
  expect(await accountsOfEvents('two')).toEqual({
    'two-1': 'two-a',
    'two-2': 'two-a',
    'two-3': null,
  });
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('anonymous events attributed to a user without an account get the account they join', async () => {
  const send = (batch: unknown[]) => sendAcceptedBatch(t.baseUrl, t.keys.ingest, batch);
  await send([{ type: 'track', anonymousId: 'anon-late', event: 'Docs Read', messageId: 'an-1' }]);
  await send([
    { type: 'identify', userId: 'anon-user', anonymousId: 'anon-late', messageId: 'an-2' },
  ]);
  expect(await accountsOfEvents('anon-user')).toEqual({ 'an-1': null });
  await send([{ type: 'group', userId: 'anon-user', groupId: 'anon-acct', messageId: 'an-3' }]);
  expect(await accountsOfEvents('anon-user')).toEqual({ 'an-1': 'anon-acct' });
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

describe('a membership created through the API', () => {
  const upsertMembership = (user: string, account: string) =>
    t.query(
      `mutation ($input: UpsertMembershipInput!) { upsertMembership(input: $input) { id } }`,
      { input: { userExternalId: user, accountExternalId: account } },
    );
  const upsertAccount = (account: string) =>
    t.query(`mutation ($input: UpsertAccountInput!) { upsertAccount(input: $input) { id } }`, {
      input: { externalId: account, name: account },
    });

  test("gives the user's events without an account that account, rollups and lastSeenAt too", async () => {
    await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
      track('api-u', 'api-1', { timestamp: '2026-01-10T08:00:00Z' }),
      track('api-u', 'api-2', { timestamp: '2026-01-11T08:00:00Z' }),
    ]);
    await upsertAccount('api-acct');
    await upsertMembership('api-u', 'api-acct');
    expect(await accountsOfEvents('api-u')).toEqual({ 'api-1': 'api-acct', 'api-2': 'api-acct' });
    expect(await activityAccounts('api-u')).toEqual(['api-acct']);
    expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
    const { account } = await t.query(`{ account(externalId: "api-acct") { lastSeenAt } }`);
    expect(account.lastSeenAt).toBe('2026-01-11T08:00:00.000Z');
  });

  test('concurrently with the batches storing the events', async () => {
    for (let round = 0; round < 5; round++) {
      const user = `api-race-${round}`;
      await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [track(user, `${user}-0`)]);
      await upsertAccount(`${user}-acct`);
      const events = (part: number) =>
        Array.from({ length: 20 }, (_, i) => track(user, `${user}-${part}-${i}`));
      await Promise.all([
        postIngest(t.baseUrl, 'batch', { batch: events(1) }, t.keys.ingest),
        upsertMembership(user, `${user}-acct`),
        postIngest(t.baseUrl, 'batch', { batch: events(2) }, t.keys.ingest),
      ]);
      const accounts = Object.values(await accountsOfEvents(user));
      expect(accounts).toHaveLength(41);
      expect(new Set(accounts)).toEqual(new Set([`${user}-acct`]));
    }
    expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
  });
});
