import { startTestServer, type TestServer } from '../support/test-server';
import { postIngest, rollupDifferences, sendAcceptedBatch } from './support/ingest-helpers';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const send = (batch: unknown[]) => sendAcceptedBatch(t.baseUrl, t.keys.ingest, batch);
const rows = (sql: string, params: unknown[] = []) => t.db.dataSource.query(sql, params);

test('identify upserts the user: known traits to columns, the rest merged into traits', async () => {
  await send([
    {
      type: 'identify',
      userId: 'ada',
      messageId: 's-1',
      traits: { email: 'ada@acme.com', name: 'Ada', plan: 'pro' },
    },
    { type: 'identify', userId: 'ada', messageId: 's-2', traits: { logins: 5 } },
  ]);
  await send([{ type: 'identify', userId: 'ada', messageId: 's-3', traits: { name: 'Ada L.' } }]);
  expect(
    await rows(`SELECT email, name, traits, source FROM users WHERE external_id = 'ada'`),
  ).toEqual([
    { email: 'ada@acme.com', name: 'Ada L.', traits: { plan: 'pro', logins: 5 }, source: 'ingest' },
  ]);
});

test('group upserts the account from its traits and links the user', async () => {
  await send([
    {
      type: 'group',
      userId: 'ada',
      groupId: 'acme',
      messageId: 's-4',
      traits: {
        name: 'Acme',
        website: 'https://www.acme.com/about',
        industry: 'Tech',
        employees: 329,
        plan: 'enterprise',
      },
    },
  ]);
  expect(
    await rows(
      `SELECT name, domain, industry, employee_count, traits, source FROM accounts WHERE external_id = 'acme'`,
    ),
  ).toEqual([
    {
      name: 'Acme',
      domain: 'www.acme.com',
      industry: 'Tech',
      employee_count: 329,
      traits: { plan: 'enterprise', website: 'https://www.acme.com/about' },
      source: 'ingest',
    },
  ]);
  expect(
    await rows(
      `SELECT m.role_code FROM memberships m JOIN users u ON u.id = m.user_id
       JOIN accounts a ON a.id = m.account_id WHERE u.external_id = 'ada' AND a.external_id = 'acme'`,
    ),
  ).toEqual([{ role_code: 'MEMBER' }]);
});

test('a role trait on an identify with context.groupId sets that membership role', async () => {
  await send([
    {
      type: 'identify',
      userId: 'ada',
      messageId: 's-5',
      traits: { role: 'admin' },
      context: { groupId: 'acme' },
    },
  ]);
  expect(
    await rows(
      `SELECT m.role_code FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.external_id = 'ada'`,
    ),
  ).toEqual([{ role_code: 'ADMINISTRATOR' }]);
});

test("an event's account: context.groupId, else the user's only membership, else none", async () => {
  await send([
    {
      type: 'track',
      userId: 'ada',
      event: 'Report Run',
      messageId: 's-6',
      context: { groupId: 'globex' },
    },
    { type: 'track', userId: 'ada', event: 'Report Run', messageId: 's-7' },
    { type: 'track', userId: 'loner', event: 'Report Run', messageId: 's-8' },
  ]);
  expect(
    await rows(
      `SELECT e.message_id, a.external_id AS account FROM events e LEFT JOIN accounts a ON a.id = e.account_id
       WHERE e.message_id IN ('s-6', 's-7', 's-8') ORDER BY e.message_id`,
    ),
  ).toEqual([
    { message_id: 's-6', account: 'globex' },
    { message_id: 's-7', account: 'acme' },
    { message_id: 's-8', account: null },
  ]);
});

test('page stores a "Page Viewed" event with its name and url', async () => {
  await send([
    {
      type: 'page',
      userId: 'ada',
      name: 'Pricing',
      messageId: 's-9',
      properties: { title: 'Pricing' },
      context: { page: { url: 'https://acme.com/pricing' } },
    },
  ]);
  expect(
    await rows(
      `SELECT d.key, e.type, e.properties FROM events e JOIN event_definitions d ON d.id = e.definition_id
       WHERE e.message_id = 's-9'`,
    ),
  ).toEqual([
    {
      key: 'Page Viewed',
      type: 'page',
      properties: { title: 'Pricing', name: 'Pricing', url: 'https://acme.com/pricing' },
    },
  ]);
});

test('anonymous events are attributed once identify links the anonymous id, rollups move', async () => {
  await send([
    {
      type: 'track',
      anonymousId: 'anon-1',
      event: 'Pricing Viewed',
      messageId: 'a-1',
      timestamp: '2026-03-01T10:00:00Z',
    },
    {
      type: 'track',
      anonymousId: 'anon-1',
      event: 'Pricing Viewed',
      messageId: 'a-2',
      timestamp: '2026-03-02T10:00:00Z',
    },
  ]);
  expect(
    await rows(
      `SELECT count(*)::int AS n FROM user_activity_daily WHERE day >= '2026-03-01' AND day < '2026-03-03'`,
    ),
  ).toEqual([{ n: 0 }]);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);

  await send([
    {
      type: 'identify',
      userId: 'bob',
      anonymousId: 'anon-1',
      messageId: 'a-3',
      traits: { name: 'Bob' },
    },
  ]);
  await send([{ type: 'group', userId: 'bob', groupId: 'initech', messageId: 'a-4' }]);
  await send([
    {
      type: 'track',
      anonymousId: 'anon-1',
      event: 'Pricing Viewed',
      messageId: 'a-5',
      timestamp: '2026-03-03T10:00:00Z',
    },
  ]);

  expect(
    await rows(
      `SELECT e.message_id, u.external_id AS user, a.external_id AS account FROM events e
       LEFT JOIN users u ON u.id = e.user_id LEFT JOIN accounts a ON a.id = e.account_id
       WHERE e.message_id LIKE 'a-%' ORDER BY e.message_id`,
    ),
  ).toEqual([
    // Bob had no account when they were attributed: they got the one Bob joined next.
    { message_id: 'a-1', user: 'bob', account: 'initech' },
    { message_id: 'a-2', user: 'bob', account: 'initech' },
    { message_id: 'a-5', user: 'bob', account: 'initech' },
  ]);
  const [{ id: initech }] = await rows(
    `SELECT id::int FROM accounts WHERE external_id = 'initech'`,
  );
  expect(
    await rows(
      `SELECT d.day::text, d.account_id::int, d.event_count::int FROM user_activity_daily d
       JOIN users u ON u.id = d.user_id WHERE u.external_id = 'bob' ORDER BY d.day`,
    ),
  ).toEqual(
    ['2026-03-01', '2026-03-02', '2026-03-03'].map((day) => ({
      day,
      account_id: initech,
      event_count: 1,
    })),
  );
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test("alias links an anonymous id; its events then get the user and the user's account", async () => {
  await send([
    { type: 'group', userId: 'cy', groupId: 'umbrella', messageId: 'al-0' },
    {
      type: 'track',
      anonymousId: 'anon-2',
      event: 'Docs Read',
      messageId: 'al-1',
      timestamp: '2026-03-05T08:00:00Z',
    },
  ]);
  await send([{ type: 'alias', previousId: 'anon-2', userId: 'cy', messageId: 'al-2' }]);
  expect(
    await rows(
      `SELECT u.external_id AS user, a.external_id AS account FROM events e
       JOIN users u ON u.id = e.user_id JOIN accounts a ON a.id = e.account_id WHERE e.message_id = 'al-1'`,
    ),
  ).toEqual([{ user: 'cy', account: 'umbrella' }]);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('lastSeenAt of users and accounts moves forward with their events, never back', async () => {
  await send([
    { type: 'group', userId: 'dee', groupId: 'hooli', messageId: 'ls-0' },
    {
      type: 'track',
      userId: 'dee',
      event: 'Seen',
      messageId: 'ls-1',
      timestamp: '2026-04-10T12:00:00Z',
    },
  ]);
  await send([
    {
      type: 'track',
      userId: 'dee',
      event: 'Seen',
      messageId: 'ls-2',
      timestamp: '2026-04-01T12:00:00Z',
    },
  ]);
  const { user, account } = await t.query(
    `{ user(externalId: "dee") { lastSeenAt } account(externalId: "hooli") { lastSeenAt } }`,
  );
  expect(user.lastSeenAt).toBe('2026-04-10T12:00:00.000Z');
  expect(account.lastSeenAt).toBe('2026-04-10T12:00:00.000Z');
});

test('a lastSeenAt-only change leaves updatedAt alone; a real edit moves it', async () => {
  await send([
    { type: 'identify', userId: 'eve', messageId: 'ua-0', traits: { name: 'Eve' } },
    { type: 'group', userId: 'eve', groupId: 'globex', messageId: 'ua-1', traits: { name: 'G' } },
  ]);
  const stamps = () =>
    rows(
      `SELECT 'user' AS kind, last_seen_at, updated_at FROM users WHERE external_id = 'eve'
       UNION ALL
       SELECT 'account', last_seen_at, updated_at FROM accounts WHERE external_id = 'globex'
       ORDER BY kind`,
    );
  const before = await stamps();
  // Later than the group call, which counts as the account being seen now.
  const later = new Date(Date.now() + 60_000).toISOString();
  await send([
    {
      type: 'track',
      userId: 'eve',
      event: 'Seen',
      messageId: 'ua-2',
      timestamp: later,
      context: { groupId: 'globex' },
    },
  ]);
  const seen = await stamps();
  expect(seen.map((r: { last_seen_at: Date }) => r.last_seen_at.toISOString())).toEqual([
    later,
    later,
  ]);
  expect(seen.map((r: { updated_at: Date }) => r.updated_at)).toEqual(
    before.map((r: { updated_at: Date }) => r.updated_at),
  );

  await send([
    { type: 'identify', userId: 'eve', messageId: 'ua-3', traits: { name: 'Eve R.' } },
    { type: 'group', userId: 'eve', groupId: 'globex', messageId: 'ua-4', traits: { name: 'Gx' } },
  ]);
  const edited = await stamps();
  edited.forEach((row: { updated_at: Date }, i: number) =>
    expect(row.updated_at.getTime()).toBeGreaterThan(seen[i].updated_at.getTime()),
  );
});

test('a new user is created before its batch: a failed batch leaves it bare, the retry stores once', async () => {
  // Stands in for any failure inside the batch's transaction, after the user was created.
  await rows(`
    CREATE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.message_id = 'bare-2' THEN RAISE EXCEPTION 'refused by the test'; END IF;
      RETURN NEW;
    END $$`);
  await rows(`CREATE TRIGGER test_refuse_event BEFORE INSERT ON events
              FOR EACH ROW EXECUTE FUNCTION test_refuse_event()`);
  const batch = [
    { type: 'identify', userId: 'bare', messageId: 'bare-1', traits: { name: 'Bea' } },
    { type: 'track', userId: 'bare', event: 'Bare Event', messageId: 'bare-2' },
  ];
  const failed = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
  expect(failed.status).toBe(500);
  expect(failed.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  const bare = await rows(`SELECT id, name, source FROM users WHERE external_id = 'bare'`);
  expect(bare).toEqual([{ id: expect.any(String), name: null, source: 'ingest' }]);
  const stored = () =>
    rows(`SELECT message_id FROM event_message_ids WHERE message_id LIKE 'bare-%' ORDER BY 1`);
  expect(await stored()).toEqual([]);

  await rows(`DROP TRIGGER test_refuse_event ON events; DROP FUNCTION test_refuse_event()`);
  expect((await send(batch)).stored).toBe(2);
  expect(await rows(`SELECT id, name FROM users WHERE external_id = 'bare'`)).toEqual([
    { id: bare[0].id, name: 'Bea' },
  ]);
  expect(await stored()).toEqual([{ message_id: 'bare-1' }, { message_id: 'bare-2' }]);
  expect(
    await rows(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'bare-%'`),
  ).toEqual([{ n: 1 }]);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});
