import { MetricExecutor } from '../../src/metrics/executor';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Every query's cost is known and bounded before it runs, and client mistakes answer 4xx: on
 * the demo data set, where users belong to several accounts and lists are long enough to hurt.
 */
let t: TestServer;
const NOW = new Date('2026-03-15T12:00:00Z');

beforeAll(async () => {
  t = await startTestServer({}, { demoData: { seed: 7, now: NOW } });
}, 60_000);
afterAll(() => t.close());

/** Status and the first error's code, message and extensions. */
async function refusal(query: string, variables?: Record<string, unknown>) {
  const { status, body } = await t.graphql(query, variables);
  const [error] = body.errors ?? [];
  return { status, code: error?.extensions?.code, message: error?.message, error };
}

describe('nested lists are bounded and correct', () => {
  test('the reported heap-crashing query is refused before it runs, and the server lives on', async () => {
    const bomb =
      '{ accounts(first: 2) { edges { node { users { accounts { users { accounts { users { accounts { users { accounts { name } } } } } } } } } } } }';
    t.db.statements.length = 0;
    const { status, code, error } = await refusal(bomb);
    expect(status).toBe(400);
    expect(code).toBe('QUERY_TOO_COMPLEX');
    expect(error.extensions.maximumComplexity).toBe(25_000);
    expect(error.message).toMatch(/at most 25000.*smaller `first`/s);
    // Refused before any resolver ran: not one data statement.
    expect(t.db.statements.filter((sql) => /accounts|memberships/.test(sql))).toEqual([]);
    const bounded = await t.query(
      '{ accounts(first: 2) { edges { node { users(first: 5) { accounts(first: 2) { users(first: 5) { id } } } } } } }',
    );
    expect(bounded.accounts.edges).toHaveLength(2);
  });

  test('Account.users on a page of 50 accounts equals the memberships, account by account', async () => {
    const shared: Array<{ count: string }> = await t.db.dataSource.query(`
      SELECT count(*) FROM (
        SELECT m.user_id FROM memberships m
        WHERE m.deleted_at IS NULL
          AND m.account_id IN (SELECT id FROM accounts WHERE deleted_at IS NULL ORDER BY id LIMIT 50)
        GROUP BY m.user_id HAVING count(*) > 1) x`);
    expect(Number(shared[0].count)).toBeGreaterThan(0); // users in two accounts of the page

    const data = await t.query('{ accounts(first: 50) { edges { node { id users { id } } } } }');
    const expected: Array<{ account_id: string; user_ids: string[] }> = await t.db.dataSource
      .query(`
      SELECT a.id::text AS account_id,
        coalesce(array_agg(u.id::text ORDER BY u.id) FILTER (WHERE u.id IS NOT NULL), '{}') AS user_ids
      FROM (SELECT id FROM accounts WHERE deleted_at IS NULL ORDER BY id LIMIT 50) a
      LEFT JOIN memberships m ON m.account_id = a.id AND m.deleted_at IS NULL
      LEFT JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
      GROUP BY a.id ORDER BY a.id`);
    const answered = data.accounts.edges.map((edge: any) => ({
      account_id: edge.node.id,
      user_ids: edge.node.users.map((user: any) => user.id),
    }));
    expect(answered).toEqual(expected);
  });

  test('first is honoured per parent: the first n members of every account of the page', async () => {
    const data = await t.query(
      '{ accounts(first: 40) { edges { node { id users(first: 3) { id } } } } }',
    );
    const expected: Array<{ account_id: string; user_ids: string[] }> = await t.db.dataSource
      .query(`
      SELECT a.id::text AS account_id,
        coalesce((SELECT array_agg(r.user_id::text ORDER BY r.user_id) FROM (
          SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
          WHERE m.account_id = a.id AND m.deleted_at IS NULL ORDER BY m.user_id LIMIT 3) r), '{}') AS user_ids
      FROM (SELECT id FROM accounts WHERE deleted_at IS NULL ORDER BY id LIMIT 40) a ORDER BY a.id`);
    expect(
      data.accounts.edges.map((edge: any) => ({
        account_id: edge.node.id,
        user_ids: edge.node.users.map((user: any) => user.id),
      })),
    ).toEqual(expected);
  });

  test('User.accounts and Team.members equal plain SQL too', async () => {
    const users: Array<{ id: string }> = await t.db.dataSource.query(`
      SELECT user_id::text AS id FROM memberships WHERE deleted_at IS NULL
      GROUP BY user_id HAVING count(*) > 1 ORDER BY user_id LIMIT 20`);
    for (const { id } of users) {
      const data = await t.query(`{ user(id: "${id}") { accounts { id } } }`);
      const expected: Array<{ id: string }> = await t.db.dataSource.query(
        `SELECT a.id::text AS id FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.user_id = $1 AND m.deleted_at IS NULL AND a.deleted_at IS NULL ORDER BY a.id`,
        [id],
      );
      expect(data.user.accounts).toEqual(expected);
    }
    const page = await t.query(
      '{ teams(first: 30) { edges { node { id members(first: 500) { id } } } } }',
    );
    for (const edge of page.teams.edges) {
      const expected: Array<{ id: string }> = await t.db.dataSource.query(
        `SELECT u.id::text AS id FROM team_members tm JOIN users u ON u.id = tm.user_id
         WHERE tm.team_id = $1 AND u.deleted_at IS NULL ORDER BY u.id`,
        [edge.node.id],
      );
      expect(edge.node.members).toEqual(expected);
    }
  });

  test('a nested first outside 1..1000 is refused naming the limit', async () => {
    const { status, code, message } = await refusal(
      '{ accounts(first: 1) { edges { node { users(first: 0) { id } } } } }',
    );
    expect({ status, code, message }).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'first: expected a page size between 1 and 1000, got 0',
    });
  });
});

describe('each limit answers 400 with its own code', () => {
  test('depth', async () => {
    const nest = (levels: number): string =>
      levels === 0 ? 'id' : `accounts(first: 1) { users(first: 1) { ${nest(levels - 1)} } }`;
    const result = await refusal(`{ user(externalId: "x") { ${nest(6)} } }`);
    expect(result).toMatchObject({ status: 400, code: 'QUERY_TOO_DEEP' });
    expect(result.message).toBe(
      'Query depth limit of 12 exceeded, found 14. Ask for fewer nested levels.',
    );
    expect(result.error.extensions.limit).toBe(12);
  });

  test('aliases', async () => {
    const fields = Array.from({ length: 51 }, (_, i) => `a${i}: membershipRoles { code }`).join(
      ' ',
    );
    const result = await refusal(`{ ${fields} }`);
    expect(result).toMatchObject({
      status: 400,
      code: 'TOO_MANY_ALIASES',
      message: 'Aliases limit of 50 exceeded, found 51. Split the query into several requests.',
    });
  });

  test('directives', async () => {
    const fields = Array.from({ length: 21 }, () => '__typename @include(if: true)').join(' ');
    const result = await refusal(`{ ${fields} }`);
    expect(result).toMatchObject({
      status: 400,
      code: 'TOO_MANY_DIRECTIVES',
      message: 'Directives limit of 20 exceeded, found 21. Use fewer @include/@skip directives.',
    });
  });

  test('tokens', async () => {
    const industries = Array.from({ length: 10_001 }, (_, i) => `"i${i}"`).join(' ');
    const result = await refusal(
      `{ accounts(first: 1, filter: { industry: [${industries}] }) { edges { cursor } } }`,
    );
    expect(result).toMatchObject({
      status: 400,
      code: 'TOO_MANY_TOKENS',
      message:
        'The document has more than 10000 tokens, the most one request may have; put bulk inputs in variables.',
    });
  });

  test('metric fields cost a SQL evaluation each, and evaluations per request are capped', async () => {
    const metric = (i: number) =>
      `m${i}: metric(name: "mrr", window: { relative: LAST_30_DAYS }) { total }`;
    const many = Array.from({ length: 41 }, (_, i) => metric(i)).join(' ');
    const names = JSON.stringify(Array.from({ length: 20 }, () => 'mrr'));
    // 41 + 20 metrics: 61 evaluations.
    const tooMany = await refusal(
      `{ ${many} metrics(names: ${names}, window: { relative: LAST_30_DAYS }) { total } }`,
    );
    expect(tooMany).toMatchObject({ status: 400, code: 'TOO_MANY_METRIC_EVALUATIONS' });
    expect(tooMany.message).toMatch(/^The request would run 61 metric evaluations, at most 60/);
    expect(tooMany.error.extensions).toMatchObject({ evaluations: 61, maximumEvaluations: 60 });

    // Account.metric is one evaluation per page: 100 accounts x 3 metrics is 3 evaluations.
    const perAccount = await t.graphql(
      `{ accounts(first: 100) { edges { node {
          a: metric(name: "mrr", window: { relative: LAST_30_DAYS }) { value }
          b: metric(name: "arr", window: { relative: LAST_30_DAYS }) { value }
          metrics(names: ["paying_accounts"], window: { relative: LAST_30_DAYS }) { value } } } } }`,
    );
    expect(perAccount.status).toBe(200);
    expect(perAccount.body.errors).toBeUndefined();
  });

  test('cost: a list counts its fields once per row it may return', async () => {
    const tooCostly = await refusal(
      '{ accounts(first: 100) { edges { node { users(first: 300) { id } } } } }',
    );
    expect(tooCostly).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX' });
    expect(tooCostly.error.extensions.complexity).toBe(1 + 100 * (1 + 1 + 1 + 300));
    const affordable = await t.graphql(
      '{ accounts(first: 100) { edges { node { users(first: 200) { id } } } } }',
    );
    expect(affordable.status).toBe(200);
  });

  test('cost: a plural upsert returns one row per input, so its fields count once per input', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => ({ externalId: `cost-${i}` }));
    const mutation = (selection: string) =>
      `mutation($inputs: [UpsertAccountInput!]!) { upsertAccounts(inputs: $inputs) { ${selection} } }`;
    const tooCostly = await refusal(mutation('id users { id }'), { inputs });
    expect(tooCostly).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX' });
    expect(tooCostly.error.extensions.complexity).toBe(1 + 300 * (1 + 1 + 100));
    const [{ count }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS count FROM accounts WHERE external_id LIKE 'cost-%'`,
    );
    expect(count).toBe(0); // refused before it ran
  });
});

describe('client mistakes answer 400, not 500', () => {
  const ACCOUNTS = 'query($n: Int!) { accounts(first: $n) { edges { cursor } } }';

  test.each([
    [
      'a variable of the wrong type',
      ACCOUNTS,
      { n: 'ten' },
      /Variable "\$n" got invalid value "ten"/,
    ],
    [
      'a missing required variable',
      ACCOUNTS,
      {},
      /Variable "\$n" of required type "Int!" was not provided/,
    ],
    [
      'a bad enum value in a variable',
      'query($g: Grain) { metric(name: "mrr", window: { relative: LAST_30_DAYS }, grain: $g) { total } }',
      { g: 'DAYZ' },
      /Value "DAYZ" does not exist in "Grain" enum/,
    ],
  ])('%s', async (_name, query, variables, message) => {
    const result = await refusal(query, variables);
    expect(result).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(result.message).toMatch(message);
  });

  test('NUL in a string argument or variable is refused, naming where', async () => {
    const literal = await refusal('{ account(externalId: "a\\u0000b") { id } }');
    expect(literal).toMatchObject({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'account(externalId): text may not contain the NUL character (\\u0000)',
    });
    const variable = await refusal(
      'mutation($inputs: [UpsertAccountInput!]!) { upsertAccounts(inputs: $inputs) { id } }',
      { inputs: [{ externalId: 'ok' }, { externalId: 'x', name: 'bad\u0000name' }] },
    );
    expect(variable).toMatchObject({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: '$inputs[1].name: text may not contain the NUL character (\\u0000)',
    });
    const [{ count }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS count FROM accounts WHERE external_id IN ('ok', 'x')`,
    );
    expect(count).toBe(0);
  });

  test.each(['99999999999999999999', '9223372036854775808', '-1', 'abc'])(
    'an id no row can have (%s) is BAD_USER_INPUT',
    async (id) => {
      const result = await refusal(`{ account(id: "${id}") { id } }`);
      expect(result).toMatchObject({
        status: 400,
        code: 'BAD_USER_INPUT',
        message: `id: expected a numeric id from 1 to 9223372036854775807, got "${id}"`,
      });
    },
  );

  test('event definition ids beyond bigint are BAD_USER_INPUT too', async () => {
    const lookup = await refusal('{ eventDefinition(id: "9999999999999999999") { key } }');
    expect(lookup).toMatchObject({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'id: expected a numeric id from 1 to 9223372036854775807, got "9999999999999999999"',
    });
    const counts = await refusal(`{ accounts(first: 1) { edges { node {
      eventCounts(definitions: ["9999999999999999999"],
        window: { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }) { count } } } } }`);
    expect(counts).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'definitions: no event definition has the id or key "9999999999999999999"',
    });
  });

  test('the largest bigint id is a valid id that simply does not exist', async () => {
    const { status, body } = await t.graphql('{ account(id: "9223372036854775807") { id } }');
    expect({ status, body }).toEqual({ status: 200, body: { data: { account: null } } });
  });

  test.each([
    ['a huge number', Buffer.from('id:99999999999999999999').toString('base64url')],
    ['just past bigint', Buffer.from('id:9223372036854775808').toString('base64url')],
    ['garbage', 'garbage'],
  ])('a cursor that decodes to %s is BAD_USER_INPUT', async (_name, cursor) => {
    const result = await refusal(`{ accounts(first: 2, after: "${cursor}") { edges { cursor } } }`);
    expect(result).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(result.error.extensions.field).toBe('after');
  });
});

describe('metric windows', () => {
  test.each(['UTC+3', 'system', 'local', 'Mars/Olympus_Mons', 'EST5EDT,M3.2.0,M11.1.0'])(
    'the time zone %s is refused with INVALID_WINDOW naming it',
    async (timezone) => {
      const result = await refusal(
        'query($tz: String) { metric(name: "mrr", window: { relative: LAST_30_DAYS, timezone: $tz }) { total } }',
        { tz: timezone },
      );
      expect(result).toMatchObject({
        status: 400,
        code: 'INVALID_WINDOW',
        message: `window.timezone: expected an IANA time zone name known to PostgreSQL, e.g. "Europe/Berlin" or "UTC", got "${timezone}"`,
      });
    },
  );

  test('IANA names PostgreSQL knows are accepted, in Account.metric too', async () => {
    for (const timezone of ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata']) {
      const data = await t.query(
        `{ metric(name: "mrr", window: { relative: LAST_30_DAYS, timezone: "${timezone}" }) { window { timezone } } }`,
      );
      expect(data.metric.window.timezone).toBe(timezone);
    }
    const refused = await refusal(
      '{ accounts(first: 2) { edges { node { metric(name: "mrr", window: { relative: LAST_30_DAYS, timezone: "UTC+3" }) { value } } } } }',
    );
    expect(refused).toMatchObject({ status: 400, code: 'INVALID_WINDOW' });
  });

  test('an absolute window of more than 20 years is refused, naming the limit', async () => {
    const result = await refusal(
      '{ metric(name: "mrr", grain: YEAR, window: { from: "0001-01-01T00:00:00Z", to: "9999-01-01T00:00:00Z" }) { total } }',
    );
    expect(result).toMatchObject({ status: 400, code: 'INVALID_WINDOW' });
    expect(result.message).toMatch(/^window: expected at most 20 years, got 9998 years/);
    expect(result.error.extensions.maxYears).toBe(20);
  });

  test('groups x buckets over MAX_POINTS is refused without the rows reaching memory', async () => {
    const rowCounts: number[] = [];
    const run = MetricExecutor.prototype.run;
    const spy = jest.spyOn(MetricExecutor.prototype, 'run').mockImplementation(async function (
      this: MetricExecutor,
      statement,
    ) {
      const rows = await run.call(this, statement);
      rowCounts.push(rows.length);
      return rows;
    });
    try {
      // 730 daily buckets leave room for 27 groups; the demo has about 300 paying accounts.
      const result = await refusal(`{ metric(name: "mrr", grain: DAY, groupBy: ["account"],
        window: { from: "2024-03-01T00:00:00Z", to: "2026-03-01T00:00:00Z" }) { total } }`);
      expect(result).toMatchObject({ status: 400, code: 'TOO_MANY_POINTS' });
      expect(result.error.extensions.maxPoints).toBe(20_000);
      expect(rowCounts).toHaveLength(1);
      // At most 28 groups of 730 buckets came back (one more than fits), not 300 groups.
      expect(rowCounts[0]).toBeLessThanOrEqual(28 * 730);
      const [{ accounts }] = await t.db.dataSource.query(
        `SELECT count(DISTINCT account_id)::int AS accounts FROM subscription_history`,
      );
      expect(accounts).toBeGreaterThan(28);
    } finally {
      spy.mockRestore();
    }
  });
});
