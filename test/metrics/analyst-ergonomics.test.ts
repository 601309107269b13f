import { MetricsService } from '../../src/metrics';
import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';

/**
 * Issue 15's analyst findings: the account dimension in external ids, test accounts in
 * Account.metric, partial buckets and complete-only windows. Values come from the fixture's
 * hand-worked MRR table (test/metrics/support/fixture.ts).
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
});
afterAll(() => t.close());

const JULY = '{ from: "2025-07-01T00:00:00Z", to: "2025-08-01T00:00:00Z" }';

describe('the account dimension speaks external ids', () => {
  test('points show the externalId and the name', async () => {
    const data = await t.query(`{
      metric(name: "mrr", window: ${JULY}, groupBy: ["account"]) { total points { value dimensions } }
    }`);
    // MRR on Jul 1 by account: A1 40, A2 100, A3 20 (fixture table); A7 churned in May.
    const paying = data.metric.points
      .filter((p: any) => p.value > 0)
      .sort((a: any, b: any) => a.dimensions.account.localeCompare(b.dimensions.account));
    expect(paying).toEqual([
      { value: 40, dimensions: { account: 'a1', accountName: 'Acme' } },
      { value: 100, dimensions: { account: 'a2', accountName: 'Beta' } },
      { value: 20, dimensions: { account: 'a3', accountName: 'Gamma' } },
    ]);
    expect(data.metric.total).toBe(160);
  });

  test('filters take an externalId, an unambiguous internal id, or fail naming the value', async () => {
    const total = async (where: string) =>
      (
        await t.query(
          `{ metric(name: "mrr", window: ${JULY}, filter: { where: [${where}] }) { total } }`,
        )
      ).metric.total;
    const [{ id: betaId }] = await t.db.dataSource.query(
      `SELECT id::text FROM accounts WHERE external_id = 'a2'`,
    );
    expect(await total(`{ dimension: "account", equals: "a2" }`)).toBe(100);
    expect(await total(`{ dimension: "account", equals: "${betaId}" }`)).toBe(100);
    expect(await total(`{ dimension: "account", in: ["a1", "a3"] }`)).toBe(60);
    const { body } = await t.graphql(
      `{ metric(name: "mrr", window: ${JULY}, filter: { where: [{ dimension: "account", in: ["a1", "nobody"] }] }) { total } }`,
    );
    expect(body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.where[0].in[1]',
    });
    expect(body.errors[0].message).toBe(
      'filter.where[0].in[1]: no account has externalId (or id) "nobody"',
    );
  });
});

describe('Account.metric and test accounts', () => {
  test('a test account answers 0 with excluded TEST_ACCOUNT, and its MRR with includeTest', async () => {
    // A5 (isTest) has paid $99 a month since 2024-12-01.
    const data = await t.query(`{
      account(externalId: "a5") {
        isTest
        left: metric(name: "mrr", window: ${JULY}) { value excluded }
        asked: metric(name: "mrr", window: ${JULY}, includeTest: true) { value excluded }
        both: metrics(names: ["mrr", "arr"], window: ${JULY}, includeTest: true) { name value excluded }
      }
      real: account(externalId: "a2") { metric(name: "mrr", window: ${JULY}) { value excluded } }
    }`);
    expect(data.account).toEqual({
      isTest: true,
      left: { value: 0, excluded: 'TEST_ACCOUNT' },
      asked: { value: 99, excluded: null },
      both: [
        { name: 'mrr', value: 99, excluded: null },
        { name: 'arr', value: 1188, excluded: null },
      ],
    });
    expect(data.real.metric).toEqual({ value: 100, excluded: null });
  });
});

describe('partial buckets and complete periods (clock pinned at 2025-06-15T12:00Z)', () => {
  let metrics: MetricsService;
  beforeAll(() => {
    metrics = new MetricsService(t.db.dataSource, { now: () => new Date('2025-06-15T12:00:00Z') });
  });
  const iso = (d: Date) => d.toISOString();

  test('the current month is marked partial; completeOnly returns the 12 complete months', async () => {
    const all = await metrics.query('mrr', {
      window: { relative: 'LAST_12_MONTHS' },
      grain: 'MONTH',
    });
    expect(all.points.map((p) => p.partial)).toEqual([...Array(11).fill(false), true]);
    expect(iso(all.points[11].start)).toBe('2025-06-01T00:00:00.000Z');

    const complete = await metrics.query('mrr', {
      window: { relative: 'LAST_12_MONTHS', completeOnly: true },
      grain: 'MONTH',
    });
    expect(iso(complete.window.from.toJSDate())).toBe('2024-06-01T00:00:00.000Z');
    expect(iso(complete.window.to.toJSDate())).toBe('2025-06-01T00:00:00.000Z');
    expect(complete.points).toHaveLength(12);
    expect(complete.points.some((p) => p.partial)).toBe(false);
    // Fixture table: Apr 1 $340, May 1 $250; a snapshot's total is its last bucket.
    expect(complete.points.slice(-2).map((p) => p.value)).toEqual([340, 250]);
    expect(complete.total).toBe(250);
  });

  test('day windows become the n days before today; _TO_DATE windows end at today', async () => {
    const window = async (relative: any, grain: any = null) => {
      const answer = await metrics.query('active_users', {
        window: { relative, completeOnly: true },
        grain,
      });
      return [iso(answer.window.from.toJSDate()), iso(answer.window.to.toJSDate())];
    };
    expect(await window('LAST_30_DAYS')).toEqual([
      '2025-05-16T00:00:00.000Z',
      '2025-06-15T00:00:00.000Z',
    ]);
    expect(await window('MONTH_TO_DATE')).toEqual([
      '2025-06-01T00:00:00.000Z',
      '2025-06-15T00:00:00.000Z',
    ]);
    expect(await window('PREVIOUS_MONTH')).toEqual([
      '2025-05-01T00:00:00.000Z',
      '2025-06-01T00:00:00.000Z',
    ]);
    // 2025-06-15 is a Sunday: with weeks, the end moves back to Monday 2025-06-09.
    expect(await window('LAST_30_DAYS', 'WEEK')).toEqual([
      '2025-05-16T00:00:00.000Z',
      '2025-06-09T00:00:00.000Z',
    ]);
  });

  test('active users of the complete days of June equal a count over the raw events', async () => {
    const answer = await metrics.query('active_users', {
      window: { relative: 'MONTH_TO_DATE', completeOnly: true },
    });
    const [{ n }] = await t.db.dataSource.query(
      `SELECT count(DISTINCT e.user_id)::int AS n FROM events e
       JOIN users u ON u.id = e.user_id LEFT JOIN accounts a ON a.id = e.account_id
       WHERE e.occurred_at >= '2025-06-01' AND e.occurred_at < '2025-06-15'
         AND NOT u.is_test AND u.deleted_at IS NULL
         AND NOT coalesce(a.is_test, false) AND a.deleted_at IS NULL`,
    );
    expect(n).toBeGreaterThan(0);
    expect(answer.total).toBe(n);
    expect(answer.points[0].partial).toBe(false);
  });

  test('a window with no complete period left is an INVALID_WINDOW error', async () => {
    const firstOfMonth = new MetricsService(t.db.dataSource, {
      now: () => new Date('2025-06-01T08:00:00Z'),
    });
    await expect(
      firstOfMonth.query('mrr', { window: { relative: 'MONTH_TO_DATE', completeOnly: true } }),
    ).rejects.toMatchObject({ code: 'INVALID_WINDOW' });
  });

  test('over GraphQL, a past bucket is complete and a bucket ending after now is partial', async () => {
    const data = await t.query(`{
      metric(name: "mrr", window: { from: "2025-01-01T00:00:00Z", to: "2045-01-01T00:00:00Z" }, grain: YEAR) {
        points { start partial }
      }
    }`);
    expect(data.metric.points[19]).toEqual({ start: '2044-01-01T00:00:00.000Z', partial: true });
    const past = await t.query(`{ metric(name: "mrr", window: ${JULY}) { points { partial } } }`);
    expect(past.metric.points).toEqual([{ partial: false }]);
  });
});

describe('Account.eventCounts takes the one WindowInput', () => {
  const counts = async (window: string) =>
    (
      await t.query(
        `{ account(externalId: "a1") { eventCounts(window: ${window}) { definition { key } count } } }`,
      )
    ).account.eventCounts;
  const sqlCount = async (from: string, to: string) =>
    (
      await t.db.dataSource.query(
        `SELECT d.key, count(*)::int AS count FROM events e JOIN event_definitions d ON d.id = e.definition_id
         WHERE e.account_id = 1 AND e.occurred_at >= $1 AND e.occurred_at < $2 GROUP BY d.key ORDER BY d.key`,
        [from, to],
      )
    ).map((row: any) => ({ definition: { key: row.key }, count: row.count }));

  test('an absolute window off UTC midnights counts exactly [from, to), as SQL does', async () => {
    // A1's page views on 2025-06-02 at 10:00 (u1, u5), 10:10, 10:20, 10:25 (u1), 11:00 (u2).
    const from = '2025-06-02T10:05:00.000Z';
    const to = '2025-06-03T12:00:00.000Z';
    const got = await counts(`{ from: "${from}", to: "${to}" }`);
    expect(got).toEqual([
      { definition: { key: 'page_viewed' }, count: 4 },
      { definition: { key: 'report_exported' }, count: 1 },
    ]);
    expect(got).toEqual(await sqlCount(from, to));
  });

  test('whole UTC days read the rollup and agree with the raw events', async () => {
    const from = '2025-06-01T00:00:00.000Z';
    const to = '2025-07-01T00:00:00.000Z';
    expect(await counts(`{ from: "${from}", to: "${to}" }`)).toEqual(await sqlCount(from, to));
  });

  test('a relative window with a time zone is accepted like anywhere else', async () => {
    // The fixture's events are in 2025: nothing in the last 7 days, and no error.
    expect(await counts(`{ relative: LAST_7_DAYS, timezone: "Europe/Berlin" }`)).toEqual([]);
  });
});
