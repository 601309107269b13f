import { loadDemoData } from '../../src/demo/demo-data';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The entity page of `npm run bench:api` (read without TypeORM's hydration): 50 accounts with
 * their plan and their users' emails, equal to plain SQL on the demo data, page after page.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadDemoData(t.db.dataSource, { seed: 11, now: new Date('2026-03-15T12:00:00Z') });
  // One user in two accounts of the first page, and one member soft-deleted: each shows where it should.
  await t.db.dataSource.query(`
    INSERT INTO memberships (account_id, user_id, role_code, source)
    SELECT (SELECT min(id) FROM accounts), (SELECT max(user_id) FROM memberships), 'MEMBER', 'api'
    ON CONFLICT DO NOTHING;
    UPDATE memberships SET deleted_at = now()
    WHERE id = (SELECT min(id) FROM memberships WHERE account_id = (SELECT min(id) + 1 FROM accounts));`);
});
afterAll(() => t.close());

const PAGE = `query ($after: String) {
  accounts(first: 50, after: $after) {
    edges { node { id name createdAt traits plan { code price } users { email createdAt } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The same page by hand: live accounts by id, live members' live users by user id. */
async function pageBySql(afterId: string | null) {
  const accounts: Array<{ id: string; name: string; created_at: Date; traits: unknown }> =
    await t.db.dataSource.query(
      // ORDER BY a.id, not id: a bare name means the output column, here the text id::text.
      `SELECT a.id::text, a.name, a.created_at, a.traits FROM accounts a
       WHERE a.deleted_at IS NULL AND ($1::bigint IS NULL OR a.id > $1) ORDER BY a.id LIMIT 50`,
      [afterId],
    );
  const ids = accounts.map((a) => a.id);
  const users: Array<{ account_id: string; email: string; created_at: Date }> =
    await t.db.dataSource.query(
      `SELECT m.account_id::text, u.email, u.created_at FROM memberships m
       JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
       WHERE m.deleted_at IS NULL AND m.account_id = ANY($1::bigint[])
       ORDER BY m.account_id, u.id`,
      [ids],
    );
  // The demo never has two subscriptions in force on one account: its plan is that one's.
  const plans: Array<{ account_id: string; code: string; price_minor: string }> =
    await t.db.dataSource.query(
      `SELECT s.account_id::text, p.code, p.price_minor FROM subscriptions s
       JOIN LATERAL (SELECT * FROM subscription_history h WHERE h.subscription_id = s.id
         AND h.effective_at <= now() ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) h ON true
       JOIN plans p ON p.id = h.plan_id
       WHERE s.deleted_at IS NULL AND h.status_code <> 'CANCELED' AND s.account_id = ANY($1::bigint[])`,
      [ids],
    );
  return accounts.map((a) => {
    const plan = plans.find((p) => p.account_id === a.id);
    return {
      id: a.id,
      name: a.name,
      createdAt: a.created_at.toISOString(),
      traits: a.traits,
      plan: plan ? { code: plan.code, price: Number(plan.price_minor) / 100 } : null,
      users: users
        .filter((u) => u.account_id === a.id)
        .map((u) => ({ email: u.email, createdAt: u.created_at.toISOString() })),
    };
  });
}

test('every page of 50 accounts with plan and user emails equals plain SQL', async () => {
  let after: string | null = null;
  let afterId: string | null = null;
  let pages = 0;
  let withPlan = 0;
  let members = 0;
  for (;;) {
    const data: any = await t.query(PAGE, { after });
    const nodes = data.accounts.edges.map((edge: any) => edge.node);
    expect(nodes).toEqual(await pageBySql(afterId));
    withPlan += nodes.filter((n: any) => n.plan).length;
    members += nodes.reduce((sum: number, n: any) => sum + n.users.length, 0);
    pages++;
    if (!data.accounts.pageInfo.hasNextPage) break;
    after = data.accounts.pageInfo.endCursor;
    afterId = nodes.at(-1).id;
  }
  const [{ live }] = await t.db.dataSource.query(
    `SELECT count(*)::int AS live FROM accounts WHERE deleted_at IS NULL`,
  );
  expect(pages).toBe(Math.ceil(live / 50));
  // The comparison covered real plans and members, not empty pages.
  expect(withPlan).toBeGreaterThan(100);
  expect(members).toBeGreaterThan(1000);
});

/** The users statement of the last request (the LATERAL over memberships). */
function usersStatement(): string {
  const statement = t.db.statements.find((sql) => sql.includes('WHERE m.account_id = parent.id'));
  if (!statement) throw new Error(`no users statement among ${t.db.statements.length}`);
  return statement;
}

test("the bench's page: plans read with the page, members' id and email only, 2 statements, equal to plain SQL", async () => {
  const BENCH_PAGE = `{ accounts(first: 50) { edges { node { id name plan { code } users { email } } } } }`;
  await t.query(BENCH_PAGE); // the API key's verdict is cached: only the page's statements count
  t.db.statements.length = 0;
  const data: any = await t.query(BENCH_PAGE);
  // The page with its plans, then the members.
  expect(t.db.statements).toHaveLength(2);
  expect(t.db.statements[0]).toContain('WITH page AS');
  const users = usersStatement();
  expect(users).toContain('"child"."email"');
  expect(users).toContain('"child"."id"');
  expect(users).not.toContain('traits');
  const expected = (await pageBySql(null)).map((account) => ({
    id: account.id,
    name: account.name,
    plan: account.plan && { code: account.plan.code },
    users: account.users.map((user) => ({ email: user.email })),
  }));
  expect(data.accounts.edges.map((edge: any) => edge.node)).toEqual(expected);
});

test('members asked for a computed field (through a fragment) are read whole, with the same answer', async () => {
  const query = `{ accounts(first: 50) { edges { node { id users { ...Member } } } } }
    fragment Member on User { email accounts(first: 1) { id } }`;
  t.db.statements.length = 0;
  const data: any = await t.query(query);
  expect(usersStatement()).toContain('traits');
  const firstAccounts: Array<{ email: string; first_account: string }> = await t.db.dataSource
    .query(`SELECT u.email, (SELECT min(m2.account_id)::text FROM memberships m2
              JOIN accounts a ON a.id = m2.account_id AND a.deleted_at IS NULL
              WHERE m2.user_id = u.id AND m2.deleted_at IS NULL) AS first_account
            FROM users u`);
  const firstAccountOf = new Map(firstAccounts.map((row) => [row.email, row.first_account]));
  const expected = (await pageBySql(null)).map((account) => ({
    id: account.id,
    users: account.users.map((user) => ({
      email: user.email,
      accounts: [{ id: firstAccountOf.get(user.email) }],
    })),
  }));
  expect(data.accounts.edges.map((edge: any) => edge.node)).toEqual(expected);
});
