import { startTestServer, type TestServer } from '../support/test-server';
import { postIngest } from './support/ingest-helpers';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const track = (event: string, messageId: string, extra: Record<string, unknown> = {}) =>
  postIngest(
    t.baseUrl,
    'track',
    { userId: 'u-1', event, messageId, context: { groupId: 'acct-1' }, ...extra },
    t.keys.ingest,
  );

const DEFINITION = `id key displayName description category source aliases
  changes { change before after changedBy reason changedAt }`;

test('the first event with a new name creates a definition with a stable id', async () => {
  await track('Signed In', 'd-1');
  await track('Signed In', 'd-2');
  const { eventDefinitions } = await t.query(
    `{ eventDefinitions { ${DEFINITION} } }`,
    {},
    t.keys.read,
  );
  expect(eventDefinitions).toEqual([
    {
      id: expect.any(String),
      key: 'Signed In',
      displayName: 'Signed In',
      description: null,
      category: null,
      source: 'ingest',
      aliases: ['Signed In'],
      changes: [
        {
          change: 'create',
          before: null,
          after: { key: 'Signed In', displayName: 'Signed In' },
          changedBy: 'test ingest',
          reason: 'first event with this name',
          changedAt: expect.any(String),
        },
      ],
    },
  ]);
});

test('renaming keeps the old key as an alias: old and new names land on one definition', async () => {
  const { eventDefinition } = await t.query(`{ eventDefinition(key: "Signed In") { id } }`);
  const { renameEventDefinition } = await t.query(
    `mutation($id: ID!) { renameEventDefinition(id: $id, key: "signed_in", displayName: "Signed in", reason: "snake_case keys") { ${DEFINITION} } }`,
    { id: eventDefinition.id },
  );
  expect(renameEventDefinition).toMatchObject({
    id: eventDefinition.id,
    key: 'signed_in',
    displayName: 'Signed in',
    aliases: ['Signed In', 'signed_in'],
  });
  expect(renameEventDefinition.changes[1]).toMatchObject({
    change: 'rename',
    before: { key: 'Signed In', displayName: 'Signed In', description: null, category: null },
    after: { key: 'signed_in', displayName: 'Signed in', description: null, category: null },
    changedBy: 'test admin',
    reason: 'snake_case keys',
  });
  await track('Signed In', 'd-3');
  await track('signed_in', 'd-4');
  const [row] = await t.db.dataSource.query(
    `SELECT count(DISTINCT definition_id)::int AS definitions, min(definition_id)::text AS id, count(*)::int AS n FROM events`,
  );
  expect(row).toEqual({ definitions: 1, id: eventDefinition.id, n: 4 });
});

test('defineEvent creates or describes a definition, and every change is recorded', async () => {
  const { defineEvent: created } = await t.query(
    `mutation { defineEvent(key: "Demo Requested", displayName: "Demo requested", category: "sales", reason: "PQL signal") { ${DEFINITION} } }`,
  );
  expect(created).toMatchObject({
    key: 'Demo Requested',
    displayName: 'Demo requested',
    category: 'sales',
    source: 'api',
  });
  const { defineEvent: described } = await t.query(
    `mutation { defineEvent(key: "Signed In", description: "A user signed in") { ${DEFINITION} } }`,
  );
  expect(described).toMatchObject({ key: 'signed_in', description: 'A user signed in' });
  expect(described.changes.map((c: any) => c.change)).toEqual(['create', 'rename', 'update']);
});

test('renaming to a key another definition has or had is a CONFLICT', async () => {
  const { eventDefinition } = await t.query(`{ eventDefinition(key: "Demo Requested") { id } }`);
  const { body } = await t.graphql(
    `mutation($id: ID!) { renameEventDefinition(id: $id, key: "Signed In", reason: "oops") { id } }`,
    { id: eventDefinition.id },
  );
  expect(body.errors[0].extensions.code).toBe('CONFLICT');
  expect(body.errors[0].message).toContain('already belongs to event definition');
});

test('changes need the admin scope, reads the read scope', async () => {
  const denied = await t.graphql(`mutation { defineEvent(key: "X") { id } }`, {}, t.keys.sync);
  expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
  const unread = await t.graphql(`{ eventDefinitions { id } }`, {}, t.keys.ingest);
  expect(unread.body.errors[0].extensions.code).toBe('FORBIDDEN');
});

test('bad input gets BAD_USER_INPUT and unknown ids NOT_FOUND', async () => {
  const empty = await t.graphql(`mutation { defineEvent(key: "  ") { id } }`);
  expect(empty.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  const missing = await t.graphql(
    `mutation { renameEventDefinition(id: "999999", key: "x", reason: "r") { id } }`,
  );
  expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
});

test('Account.eventCounts reads the daily rollup per definition, by id or by any key', async () => {
  for (const [i, day] of [
    '2026-02-01T10:00:00Z',
    '2026-02-01T23:59:59Z',
    '2026-02-02T00:00:00Z',
    '2026-02-03T00:00:00Z',
  ].entries())
    await track('Report Run', `c-${i}`, { timestamp: day });
  await track('signed_in', 'c-9', { timestamp: '2026-02-01T05:00:00Z' });
  const { account } = await t.query(
    `{ account(externalId: "acct-1") {
        all: eventCounts(window: { from: "2026-02-01T00:00:00Z", to: "2026-02-03T00:00:00Z" }) { definition { key } count }
        some: eventCounts(window: { from: "2026-02-02T00:00:00Z", to: "2026-02-04T00:00:00Z" }, definitions: ["Report Run", "Signed In", "Demo Requested"]) { definition { key } count }
      } }`,
    {},
    t.keys.read,
  );
  expect(account.all).toEqual([
    { definition: { key: 'Report Run' }, count: 3 },
    { definition: { key: 'signed_in' }, count: 1 },
  ]);
  expect(account.some).toEqual([
    { definition: { key: 'Report Run' }, count: 2 },
    { definition: { key: 'signed_in' }, count: 0 },
    { definition: { key: 'Demo Requested' }, count: 0 },
  ]);
});

test('eventCounts over a page of accounts costs one rollup statement', async () => {
  for (const account of ['acct-2', 'acct-3', 'acct-4'])
    await postIngest(
      t.baseUrl,
      'track',
      {
        userId: 'u-2',
        event: 'Report Run',
        messageId: `p-${account}`,
        timestamp: '2026-02-01T12:00:00Z',
        context: { groupId: account },
      },
      t.keys.ingest,
    );
  t.db.statements.length = 0;
  const { accounts } = await t.query(
    `{ accounts(first: 10) { edges { node { externalId eventCounts(window: { from: "2026-02-01T00:00:00Z", to: "2026-02-02T00:00:00Z" }, definitions: ["Report Run"]) { count } } } } }`,
  );
  expect(accounts.edges.map((e: any) => [e.node.externalId, e.node.eventCounts[0].count])).toEqual([
    ['acct-1', 2],
    ['acct-2', 1],
    ['acct-3', 1],
    ['acct-4', 1],
  ]);
  expect(t.db.statements.filter((s) => s.includes('event_counts_daily'))).toHaveLength(1);
});

test('eventDefinitions is read a page at a time (ingestion can create any number of them)', async () => {
  for (const name of ['Page A', 'Page B', 'Page C']) await track(name, `paging-${name}`);
  const keys: string[] = (
    await t.query(`{ eventDefinitions(first: 1000) { key } }`)
  ).eventDefinitions.map((definition: { key: string }) => definition.key);
  const sql: Array<{ key: string }> = await t.db.dataSource.query(
    `SELECT key FROM event_definitions ORDER BY key`,
  );
  expect(keys).toEqual(sql.map((row) => row.key));

  const firstTwo = await t.query(`{ eventDefinitions(first: 2) { key } }`);
  expect(firstTwo.eventDefinitions.map((d: { key: string }) => d.key)).toEqual(keys.slice(0, 2));
  const next = await t.query(
    `query($after: String) { eventDefinitions(first: 2, afterKey: $after) { key } }`,
    {
      after: keys[1],
    },
  );
  expect(next.eventDefinitions.map((d: { key: string }) => d.key)).toEqual(keys.slice(2, 4));

  const tooMany = await t.graphql(`{ eventDefinitions(first: 1001) { key } }`);
  expect(tooMany.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(tooMany.body.errors[0].message).toContain('1000');
});
