import type { UpsertSubscriptionInput } from '../../src/domain/subscription/subscription.inputs';
import type { UpsertTeamInput } from '../../src/domain/team/team.inputs';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Plural upserts of subscriptions, teams and accounts are set-based: the statements a call
 * runs do not grow with the batch, overlapping batches in opposite orders both commit (locks
 * go in key order), and the history they write is what one-by-one upserts wrote.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.db.dataSource.query(`
    INSERT INTO plans (code, name, "interval", price_minor, is_paid)
    VALUES ('starter', 'Starter', 'MONTH', 4900, true), ('growth', 'Growth', 'MONTH', 19900, true);
    INSERT INTO accounts (external_id, name) SELECT 'acct-' || n, 'Account ' || n FROM generate_series(0, 9) n;
    INSERT INTO users (external_id) SELECT 'user-' || n FROM generate_series(0, 29) n;`);
});
afterAll(() => t.close());

const pad = (n: number) => String(n).padStart(4, '0');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Statements run through the data source while `work` runs. */
async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  t.db.statements.length = 0;
  await work();
  return t.db.statements.length;
}

/**
 * Statements of upserting 10 new rows and then changing them, and the same for 500 rows
 * (prefixes `ten` and `five-hundred`): a set-based upsert gives the same counts for both.
 */
async function createAndChangeCounts<Input>(
  create: (prefix: string, i: number) => Input,
  change: (prefix: string, i: number) => Input,
  upsertMany: (inputs: Input[]) => Promise<unknown>,
): Promise<Array<{ create: number; change: number }>> {
  const counts = [];
  for (const [prefix, n] of [
    ['ten', 10],
    ['five-hundred', 500],
  ] as const) {
    const rows = range(n);
    counts.push({
      create: await statementsOf(() => upsertMany(rows.map((i) => create(prefix, i)))),
      change: await statementsOf(() => upsertMany(rows.map((i) => change(prefix, i)))),
    });
  }
  return counts;
}

const created = (prefix: string, i: number): UpsertSubscriptionInput => ({
  externalId: `${prefix}-${pad(i)}`,
  accountExternalId: `acct-${i % 10}`,
  planCode: 'starter',
  mrr: 49,
  seats: 1,
  startedAt: new Date('2025-01-15T00:00:00Z'),
});

/** Three kinds of change: canceled with an end, a new amount later, an earlier start. */
const changed = (prefix: string, i: number): UpsertSubscriptionInput => {
  const base = created(prefix, i);
  if (i % 3 === 0)
    return { ...base, status: 'CANCELED', endedAt: new Date('2025-06-01T00:00:00Z') };
  if (i % 3 === 1)
    return {
      ...base,
      planCode: 'growth',
      mrr: 199,
      effectiveAt: new Date('2025-03-01T00:00:00Z'),
    };
  return { ...base, startedAt: new Date('2025-01-01T00:00:00Z') };
};

describe('subscriptions', () => {
  test('10 and 500 rows run the same statements, created and changed', async () => {
    const counts = await createAndChangeCounts(created, changed, (inputs) =>
      t.services.subscriptions.upsertMany(inputs),
    );
    expect(counts[1]).toEqual(counts[0]);
    // BEGIN, 3 lookups, lock, insert, history, load, COMMIT; a change: update and a moved start
    // instead of the insert.
    expect(counts[0]).toEqual({ create: 9, change: 10 });
  });

  test('the history each change writes, checked in SQL', async () => {
    const rows: Array<{ external_id: string; history: string }> = await t.db.dataSource.query(`
      SELECT s.external_id, string_agg(
          to_char(h.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' ' || h.status_code || ' '
            || p.code || ' ' || h.mrr_minor, ', ' ORDER BY h.effective_at, h.id) AS history
      FROM subscriptions s
      JOIN subscription_history h ON h.subscription_id = s.id
      JOIN plans p ON p.id = h.plan_id
      WHERE s.external_id LIKE 'five-hundred-%'
      GROUP BY s.external_id ORDER BY s.external_id`);
    expect(rows).toHaveLength(500);
    const expected = (i: number) =>
      [
        ['2025-01-15 ACTIVE starter 4900', '2025-06-01 CANCELED starter 0'],
        ['2025-01-15 ACTIVE starter 4900', '2025-03-01 ACTIVE growth 19900'],
        ['2025-01-01 ACTIVE starter 4900'],
      ][i % 3].join(', ');
    expect(rows).toEqual(
      range(500).map((i) => ({ external_id: `five-hundred-${pad(i)}`, history: expected(i) })),
    );
    // And the latest history row is the subscription's current row.
    const [{ mismatches }] = await t.db.dataSource.query(`
      SELECT count(*)::int AS mismatches FROM subscriptions s
      CROSS JOIN LATERAL (
        SELECT * FROM subscription_history h WHERE h.subscription_id = s.id
        ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) latest
      WHERE (CASE WHEN s.ended_at IS NULL THEN s.mrr_minor ELSE 0 END, s.plan_id, s.account_id)
        IS DISTINCT FROM (latest.mrr_minor, latest.plan_id, latest.account_id)`);
    expect(mismatches).toBe(0);
  });

  test('two overlapping batches in opposite orders both commit', async () => {
    const rows = range(300);
    await t.services.subscriptions.upsertMany(rows.map((i) => created('both', i)));
    for (let round = 0; round < 3; round++) {
      const forward = rows.map((i) => ({ ...created('both', i), mrr: 50 + round }));
      const backward = [...rows].reverse().map((i) => ({ ...created('both', i), seats: round }));
      await expect(
        Promise.all([
          t.services.subscriptions.upsertMany(forward),
          t.services.subscriptions.upsertMany(backward),
        ]),
      ).resolves.toHaveLength(2);
    }
    const [{ count }] = await t.db.dataSource.query(
      `SELECT count(*)::int FROM subscriptions WHERE external_id LIKE 'both-%'`,
    );
    expect(count).toBe(300);
  });
});

describe('teams', () => {
  const team = (prefix: string, i: number, shift = 0): UpsertTeamInput => ({
    externalId: `${prefix}-${pad(i)}`,
    accountExternalId: `acct-${i % 10}`,
    name: `Team ${i}`,
    memberExternalIds: [0, 1, 2].map((k) => `user-${(i + k + shift) % 30}`),
  });

  test('10 and 500 teams with members run the same statements, and members are exact', async () => {
    const counts = await createAndChangeCounts(
      (prefix, i) => team(prefix, i),
      (prefix, i) => team(prefix, i, 1),
      (inputs) => t.services.teams.upsertMany(inputs),
    );
    expect(counts[1]).toEqual(counts[0]);
    // BEGIN, accounts, users, stored teams (for partial updates), teams, delete members, insert members, load, COMMIT.
    expect(counts[0]).toEqual({ create: 9, change: 9 });
    const rows: Array<{ external_id: string; members: string }> = await t.db.dataSource.query(`
      SELECT t.external_id, string_agg(u.external_id, ',' ORDER BY u.external_id) AS members
      FROM teams t JOIN team_members m ON m.team_id = t.id JOIN users u ON u.id = m.user_id
      WHERE t.external_id LIKE 'five-hundred-%'
      GROUP BY t.external_id ORDER BY t.external_id`);
    expect(rows).toEqual(
      range(500).map((i) => ({
        external_id: `five-hundred-${pad(i)}`,
        members: [1, 2, 3]
          .map((k) => `user-${(i + k) % 30}`)
          .sort()
          .join(','),
      })),
    );
  });

  test('two overlapping batches in opposite orders both commit', async () => {
    const rows = range(300);
    await t.services.teams.upsertMany(rows.map((i) => team('both', i)));
    for (let round = 0; round < 3; round++) {
      await expect(
        Promise.all([
          t.services.teams.upsertMany(rows.map((i) => team('both', i, round))),
          t.services.teams.upsertMany([...rows].reverse().map((i) => team('both', i, round + 1))),
        ]),
      ).resolves.toHaveLength(2);
    }
  });
});

test('accounts: two overlapping batches in opposite orders both commit', async () => {
  const rows = range(300).map((i) => ({ externalId: `both-${pad(i)}`, name: `Both ${i}` }));
  await t.services.accounts.upsertMany(rows);
  for (let round = 0; round < 3; round++) {
    await expect(
      Promise.all([
        t.services.accounts.upsertMany(rows.map((r) => ({ ...r, employeeCount: round }))),
        t.services.accounts.upsertMany([...rows].reverse().map((r) => ({ ...r, industry: 'x' }))),
      ]),
    ).resolves.toHaveLength(2);
  }
});

test('new rows get ids in input order (the order lists show), whatever the key order', async () => {
  const keys = ['order-b', 'order-c', 'order-a'];
  await t.services.accounts.upsertMany(keys.map((externalId) => ({ externalId, name: 'x' })));
  await t.services.teams.upsertMany(
    keys.map((externalId) => ({ externalId, accountExternalId: 'acct-0', name: 'x' })),
  );
  await t.services.subscriptions.upsertMany(
    keys.map((externalId, i) => ({ ...created('x', i), externalId })),
  );
  for (const table of ['accounts', 'teams', 'subscriptions']) {
    const rows = await t.db.dataSource.query(
      `SELECT external_id FROM ${table} WHERE external_id LIKE 'order-%' ORDER BY id`,
    );
    expect({ table, keys: rows.map((r: { external_id: string }) => r.external_id) }).toEqual({
      table,
      keys,
    });
  }
});
