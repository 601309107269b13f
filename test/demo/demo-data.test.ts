import type { DataSource } from 'typeorm';
import { createDemoCalendar } from '../../src/demo/demo-calendar';
import { loadDemoData, loadDemoDataOnce } from '../../src/demo/demo-data';
import { clearHarmonyData } from '../../src/demo/demo-reset';
import { createLogger } from '../../src/shared/logger';
import {
  createDemoTestDatabase,
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

const SEED = 7;
/** Pinned so timestamps are exact; the demo months end at 2026-03-01T00:00Z. */
const NOW = new Date('2026-03-15T12:00:00Z');
const CURRENT_MONTH = '2026-03-01T00:00:00Z';

let db: TestDatabase;
let twin: TestDatabase;
const logger = createLogger('silent');

beforeAll(async () => {
  // `db` holds loadDemoData(SEED, NOW), loaded once per run for every file that reads it.
  [{ db }, twin] = await Promise.all([
    createDemoTestDatabase({ seed: SEED, now: NOW }),
    createTestDatabase(),
  ]);
});
afterAll(async () => {
  await Promise.all([db?.drop(), twin?.drop()]);
});

const count = async (dataSource: DataSource, sql: string, params: unknown[] = []) =>
  Number((await dataSource.query(sql, params))[0].count);

describe('a load with a fixed seed', () => {
  test('creates exactly the same number of rows every time', async () => {
    const tables = [
      'plans',
      'accounts',
      'users',
      'memberships',
      'teams',
      'team_members',
      'subscriptions',
      'subscription_history',
    ];
    const counts: Record<string, number> = {};
    for (const table of tables) {
      counts[table] = await count(db.dataSource, `SELECT count(*) FROM ${table}`);
    }
    expect(counts).toEqual({
      plans: 7,
      accounts: 300,
      users: 3061,
      memberships: 3153,
      teams: 516,
      team_members: 3364,
      subscriptions: 323,
      subscription_history: 977,
    });
  });

  test('marks every row it writes with source demo', async () => {
    for (const table of ['plans', 'accounts', 'users', 'memberships', 'teams', 'subscriptions']) {
      expect(
        await count(db.dataSource, `SELECT count(*) FROM ${table} WHERE source <> 'demo'`),
      ).toBe(0);
    }
    expect(
      await count(
        db.dataSource,
        `SELECT count(*) FROM subscription_history WHERE source <> 'demo'`,
      ),
    ).toBe(0);
  });

  test('has accounts across ten industries and sizes from 3 to 20,000, some test, a few deleted', async () => {
    const [row] = await db.dataSource.query(`
      SELECT count(DISTINCT industry) AS industries, min(employee_count) AS smallest,
             max(employee_count) AS largest, count(*) FILTER (WHERE is_test) AS test,
             count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
             count(DISTINCT domain) AS domains
      FROM accounts`);
    expect(row).toEqual({
      industries: '10',
      smallest: 3,
      largest: 19564,
      test: '15',
      deleted: '3',
      domains: '300',
    });
  });

  test('gives every account one to three administrators and puts about 3% of users in two accounts', async () => {
    const admins: Array<{ admins: string }> = await db.dataSource.query(`
      SELECT count(*) FILTER (WHERE role_code = 'ADMINISTRATOR') AS admins
      FROM memberships GROUP BY account_id`);
    expect(admins).toHaveLength(300);
    expect(new Set(admins.map((a) => Number(a.admins)))).toEqual(new Set([1, 2, 3]));
    const roles = await db.dataSource.query(
      `SELECT role_code, count(*)::int AS n FROM memberships GROUP BY role_code ORDER BY role_code`,
    );
    expect(roles).toEqual([
      { role_code: 'ADMINISTRATOR', n: 587 },
      { role_code: 'BILLING', n: 84 },
      { role_code: 'GUEST', n: 99 },
      { role_code: 'MEMBER', n: 2383 },
    ]);
    const inTwo = await count(
      db.dataSource,
      `SELECT count(*) FROM (SELECT user_id FROM memberships GROUP BY user_id HAVING count(*) = 2) x`,
    );
    expect(inTwo).toBe(92); // 3% of 3,061
  });

  test('gives every account one to four teams, each team members of its own account', async () => {
    const perAccount: Array<{ teams: number }> = await db.dataSource.query(
      `SELECT count(*)::int AS teams FROM teams GROUP BY account_id`,
    );
    expect(perAccount).toHaveLength(300);
    expect(Math.min(...perAccount.map((a) => a.teams))).toBe(1);
    expect(Math.max(...perAccount.map((a) => a.teams))).toBe(4);
    expect(
      await count(
        db.dataSource,
        `SELECT count(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE NOT EXISTS (SELECT 1 FROM memberships m
                           WHERE m.user_id = tm.user_id AND m.account_id = t.account_id)`,
      ),
    ).toBe(0);
  });

  test('creates the plan catalog with monthly and annual prices', async () => {
    const plans = await db.dataSource.query(
      `SELECT code, "interval", price_minor::int AS price, is_paid FROM plans ORDER BY id`,
    );
    expect(plans).toEqual([
      { code: 'free', interval: 'MONTH', price: 0, is_paid: false },
      { code: 'trial', interval: 'MONTH', price: 0, is_paid: false },
      { code: 'starter', interval: 'MONTH', price: 4900, is_paid: true },
      { code: 'starter_annual', interval: 'YEAR', price: 49000, is_paid: true },
      { code: 'growth', interval: 'MONTH', price: 19900, is_paid: true },
      { code: 'growth_annual', interval: 'YEAR', price: 199000, is_paid: true },
      { code: 'enterprise', interval: 'YEAR', price: 238800, is_paid: true },
    ]);
  });
});

describe('subscription history', () => {
  test("every subscription's latest history row equals its current row", async () => {
    const mismatches = await db.dataSource.query(`
      SELECT s.external_id FROM subscriptions s
      JOIN LATERAL (SELECT * FROM subscription_history h WHERE h.subscription_id = s.id
                    ORDER BY effective_at DESC, id DESC LIMIT 1) latest ON true
      WHERE (latest.status_code, latest.plan_id, latest.mrr_minor, latest.seats, latest.currency,
             latest.account_id)
         IS DISTINCT FROM (s.status_code, s.plan_id, s.mrr_minor, s.seats, s.currency, s.account_id)`);
    expect(mismatches).toEqual([]);
  });

  test('starts at started_at, never repeats an instant, and ends with a CANCELED zero row at ended_at', async () => {
    expect(
      await count(
        db.dataSource,
        `SELECT count(*) FROM subscriptions s WHERE started_at <>
           (SELECT min(effective_at) FROM subscription_history h WHERE h.subscription_id = s.id)`,
      ),
    ).toBe(0);
    expect(
      await count(
        db.dataSource,
        `SELECT count(*) FROM (SELECT 1 FROM subscription_history
                               GROUP BY subscription_id, effective_at HAVING count(*) > 1) x`,
      ),
    ).toBe(0);
    const ended: Array<{ ok: boolean }> = await db.dataSource.query(`
      SELECT (s.status_code = 'CANCELED' AND s.mrr_minor = 0 AND s.canceled_at <= s.ended_at AND
              s.ended_at = (SELECT max(effective_at) FROM subscription_history h
                            WHERE h.subscription_id = s.id)) AS ok
      FROM subscriptions s WHERE ended_at IS NOT NULL`);
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.every((row) => row.ok)).toBe(true);
    expect(
      await count(
        db.dataSource,
        `SELECT count(*) FROM subscription_history h JOIN subscriptions s ON s.id = h.subscription_id
         WHERE s.ended_at IS NULL AND h.status_code = 'CANCELED'`,
      ),
    ).toBe(0);
  });

  test('bills price x seats a month (a twelfth for annual plans) only while active or past due', async () => {
    const wrong = await db.dataSource.query(`
      SELECT h.id FROM subscription_history h
      JOIN plans p ON p.id = h.plan_id
      JOIN subscription_statuses st ON st.code = h.status_code
      WHERE h.mrr_minor <> CASE
        WHEN NOT (st.counts_as_revenue AND p.is_paid) THEN 0
        WHEN p.interval = 'YEAR' THEN round(p.price_minor * h.seats / 12.0)
        ELSE p.price_minor * h.seats END`);
    expect(wrong).toEqual([]);
  });

  test('happens entirely before the current month', async () => {
    const [row] = await db.dataSource.query(
      `SELECT min(effective_at) AS first, max(effective_at) < $1 AS before_now FROM subscription_history`,
      [CURRENT_MONTH],
    );
    expect(row.before_now).toBe(true);
    expect(row.first.getTime()).toBeGreaterThanOrEqual(Date.parse('2024-03-01T00:00:00Z'));
  });

  test('includes trials, upgrades, downgrades, seat changes, past due, pauses, churn and annual plans', async () => {
    const transitions = await db.dataSource.query(`
      WITH steps AS (
        SELECT h.*, p.code AS plan, p.interval, p.price_minor,
               lag(h.status_code) OVER w AS prev_status, lag(h.plan_id) OVER w AS prev_plan_id,
               lag(p.price_minor * 12 / CASE p.interval WHEN 'YEAR' THEN 12 ELSE 1 END) OVER w
                 AS prev_yearly_price,
               lag(h.seats) OVER w AS prev_seats
        FROM subscription_history h JOIN plans p ON p.id = h.plan_id
        WINDOW w AS (PARTITION BY h.subscription_id ORDER BY h.effective_at)
      )
      SELECT
        count(*) FILTER (WHERE prev_status = 'TRIALING' AND status_code = 'ACTIVE' AND price_minor > 0) AS trial_converted,
        count(*) FILTER (WHERE prev_status = 'TRIALING' AND status_code = 'CANCELED') AS trial_lapsed,
        count(*) FILTER (WHERE prev_plan_id <> plan_id
          AND price_minor * 12 / CASE interval WHEN 'YEAR' THEN 12 ELSE 1 END > prev_yearly_price
          AND prev_yearly_price > 0) AS upgrades,
        count(*) FILTER (WHERE prev_plan_id <> plan_id
          AND price_minor * 12 / CASE interval WHEN 'YEAR' THEN 12 ELSE 1 END < prev_yearly_price
          AND price_minor > 0) AS downgrades,
        count(*) FILTER (WHERE prev_plan_id = plan_id AND prev_seats <> seats) AS seat_changes,
        count(*) FILTER (WHERE status_code = 'PAST_DUE') AS past_due,
        count(*) FILTER (WHERE status_code = 'PAUSED') AS paused,
        count(*) FILTER (WHERE status_code = 'CANCELED' AND prev_status IN ('ACTIVE', 'PAST_DUE')
          AND price_minor > 0) AS churned,
        count(DISTINCT subscription_id) FILTER (WHERE interval = 'YEAR') AS annual_subscriptions
      FROM steps`);
    expect(transitions).toEqual([
      {
        trial_converted: '142',
        trial_lapsed: '26',
        upgrades: '35',
        downgrades: '33',
        seat_changes: '157',
        past_due: '70',
        paused: '11',
        churned: '76',
        annual_subscriptions: '101',
      },
    ]);
  });

  test('has reactivations: the same account paying again on a new subscription after a month or more at zero', async () => {
    const reactivated = await count(
      db.dataSource,
      `SELECT count(DISTINCT later.account_id) FROM subscriptions later
       JOIN subscriptions earlier ON earlier.account_id = later.account_id
        AND earlier.ended_at IS NOT NULL AND later.started_at >= earlier.ended_at + interval '1 month'
       WHERE later.status_code <> 'TRIALING' AND NOT EXISTS (
         SELECT 1 FROM subscriptions other WHERE other.account_id = later.account_id
           AND other.id NOT IN (earlier.id, later.id)
           AND other.started_at < later.started_at
           AND coalesce(other.ended_at, 'infinity') > earlier.ended_at)`,
    );
    expect(reactivated).toBe(23);
  });

  test('keeps some accounts on the free plan for their whole life', async () => {
    const freeForever = await count(
      db.dataSource,
      `SELECT count(*) FROM accounts a WHERE EXISTS (SELECT 1 FROM subscription_history h WHERE h.account_id = a.id)
       AND NOT EXISTS (SELECT 1 FROM subscription_history h JOIN plans p ON p.id = h.plan_id
                       WHERE h.account_id = a.id AND p.code <> 'free')`,
    );
    expect(freeForever).toBe(39);
  });
});

test('the same seed loads identical rows; demo data loads once only', async () => {
  // The first start on an empty database loads; later starts see accounts and do nothing.
  const first = await loadDemoDataOnce(twin.dataSource, logger);
  expect(first).toMatchObject({ accounts: 300 });
  expect(await loadDemoDataOnce(twin.dataSource, logger)).toBeNull();
  expect(await count(twin.dataSource, 'SELECT count(*) FROM accounts')).toBe(300);

  await clearHarmonyData(twin.dataSource);
  expect(await count(twin.dataSource, 'SELECT count(*) FROM accounts')).toBe(0);
  await loadDemoData(twin.dataSource, { seed: SEED, now: NOW });

  for (const sql of SNAPSHOT_QUERIES) {
    expect(await twin.dataSource.query(sql)).toEqual(await db.dataSource.query(sql));
  }
});

test('a different seed gives different data', async () => {
  const other = await createTestDatabase();
  try {
    await loadDemoData(other.dataSource, { seed: SEED + 1, now: NOW });
    const names = 'SELECT name FROM accounts ORDER BY external_id';
    expect(await other.dataSource.query(names)).not.toEqual(await db.dataSource.query(names));
  } finally {
    await other.drop();
  }
});

test('the demo calendar ends the 24 months at the start of the current month (UTC)', () => {
  const calendar = createDemoCalendar(NOW);
  expect(calendar.toDate(24).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  expect(calendar.toDate(0).toISOString()).toBe('2024-03-01T00:00:00.000Z');
  expect(calendar.toDate(23.5).toISOString()).toBe('2026-02-15T00:00:00.000Z');
  expect(calendar.now).toBeCloseTo(24 + (14.5 * 24) / (31 * 24), 10);
});

/** Every generated column, keyed by external ids rather than generated ids. */
const SNAPSHOT_QUERIES = [
  `SELECT external_id, name, domain, industry, employee_count, traits, is_test, created_at,
          last_seen_at, deleted_at FROM accounts ORDER BY external_id`,
  `SELECT external_id, email, name, traits, is_test, created_at, last_seen_at, deleted_at
   FROM users ORDER BY external_id`,
  `SELECT a.external_id AS account, u.external_id AS user, role_code, joined_at, left_at
   FROM memberships m JOIN accounts a ON a.id = m.account_id JOIN users u ON u.id = m.user_id
   ORDER BY 1, 2`,
  `SELECT t.external_id, t.name, a.external_id AS account,
          array_agg(u.external_id ORDER BY u.external_id) AS members
   FROM teams t JOIN accounts a ON a.id = t.account_id
   LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN users u ON u.id = tm.user_id
   GROUP BY 1, 2, 3 ORDER BY 1`,
  `SELECT s.external_id, a.external_id AS account, p.code, status_code, seats, mrr_minor,
          started_at, current_period_end, canceled_at, ended_at
   FROM subscriptions s JOIN accounts a ON a.id = s.account_id JOIN plans p ON p.id = s.plan_id
   ORDER BY 1`,
  `SELECT s.external_id, h.effective_at, p.code, h.status_code, h.seats, h.mrr_minor
   FROM subscription_history h JOIN subscriptions s ON s.id = h.subscription_id
   JOIN plans p ON p.id = h.plan_id ORDER BY 1, 2`,
];
