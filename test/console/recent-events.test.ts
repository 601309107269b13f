import { startTestServer, type TestServer } from '../support/test-server';

/** Account.recentEvents: newest first, bounded, batched, checked against plain SQL. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.query(`mutation {
    a: upsertAccount(input: { externalId: "re-a", name: "Recent A" }) { id }
    b: upsertAccount(input: { externalId: "re-b", name: "Recent B" }) { id }
    u: upsertUser(input: { externalId: "re-u", email: "u@re.test" }) { id }
  }`);
  const batch = [];
  for (let i = 0; i < 30; i++) {
    batch.push({
      type: 'track',
      userId: 're-u',
      event: i % 2 ? 'Report Viewed' : 'Signed In',
      messageId: `re-${i}`,
      properties: { i },
      // Two events share each timestamp, so the id breaks ties.
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 2))).toISOString(),
      context: { groupId: i < 25 ? 're-a' : 're-b' },
    });
  }
  const response = await fetch(`${t.baseUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${t.keys.ingest}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  });
  expect(((await response.json()) as any).stored).toBe(30);
});
afterAll(() => t.close());

const RECENT = `query ($first: Int) {
  accounts(first: 10, filter: { search: "Recent" }) { edges { node {
    externalId
    recentEvents(first: $first) { id type event occurredAt messageId properties user { externalId } definition { key } }
  } } }
}`;

test('each account gets its newest events, newest first, as SQL orders them', async () => {
  const data = await t.query(RECENT, { first: 7 });
  for (const { node } of data.accounts.edges) {
    const expected = await t.db.dataSource.query(
      `SELECT e.id::text AS id, e.message_id AS "messageId", d.key AS event, e.properties
       FROM events e JOIN accounts a ON a.id = e.account_id
       JOIN event_definitions d ON d.id = e.definition_id
       WHERE a.external_id = $1 ORDER BY e.occurred_at DESC, e.id DESC LIMIT 7`,
      [node.externalId],
    );
    expect(
      node.recentEvents.map((e: any) => ({
        id: e.id,
        messageId: e.messageId,
        event: e.event,
        properties: e.properties,
      })),
    ).toEqual(expected);
  }
  const [a, b] = data.accounts.edges.map((edge: any) => edge.node);
  expect(a.recentEvents.map((e: any) => e.messageId)).toEqual([
    're-24',
    're-23',
    're-22',
    're-21',
    're-20',
    're-19',
    're-18',
  ]);
  expect(b.recentEvents.map((e: any) => e.messageId)).toEqual([
    're-29',
    're-28',
    're-27',
    're-26',
    're-25',
  ]);
  expect(a.recentEvents[0]).toMatchObject({
    type: 'track',
    event: 'Signed In',
    occurredAt: '2026-01-01T00:12:00.000Z',
    user: { externalId: 're-u' },
    definition: { key: 'Signed In' },
  });
});

test('defaults to 20 and refuses more than 100 or fewer than 1, naming the argument', async () => {
  const data = await t.query(RECENT, {});
  expect(data.accounts.edges[0].node.recentEvents).toHaveLength(20);
  for (const first of [0, 101]) {
    const { body } = await t.graphql(RECENT, { first });
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toBe(`first: expected 1 to 100, got ${first}`);
  }
});

test('a page of accounts reads recent events in one statement', async () => {
  const statements: string[] = [];
  const original = t.db.dataSource.query.bind(t.db.dataSource);
  t.db.dataSource.query = (async (sql: string, ...rest: any[]) => {
    if (/FROM unnest\(\$1::bigint\[\]\) AS a\(id\)\s+CROSS JOIN LATERAL/.test(sql))
      statements.push(sql);
    return original(sql, ...rest);
  }) as typeof t.db.dataSource.query;
  try {
    await t.query(RECENT, { first: 3 });
  } finally {
    t.db.dataSource.query = original;
  }
  expect(statements).toHaveLength(1);
});
