import fs from 'node:fs';
import path from 'node:path';
import { loadDemoData } from '../../src/demo/demo-data';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Every ```graphql block of README.md runs, in README order, against a server holding the demo
 * data loaded now (as `npm start` does), so relative windows see its events and history. Writes
 * run too. A failing block is named by its line, heading and caption: fix the README or the code.
 */
const README = path.resolve(__dirname, '..', '..', 'README.md');

type Block = { line: number; heading: string; caption: string; query: string };

/** The graphql blocks of a markdown text, each with the heading and the text line before it. */
export function graphqlBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let heading = '(top)';
  let caption = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    if (/^```/.test(line)) {
      const fence = line.trim();
      const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
      if (end < 0) throw new Error(`README.md:${i + 1}: a code block is never closed`);
      if (fence === '```graphql') {
        blocks.push({ line: i + 1, heading, caption, query: lines.slice(i + 1, end).join('\n') });
      }
      i = end;
      continue;
    }
    if (line.trim()) caption = line.trim();
  }
  return blocks;
}

const blocks = graphqlBlocks(fs.readFileSync(README, 'utf8'));
const results = new Map<Block, any>();

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadDemoData(t.db.dataSource, { now: new Date() });
}, 120_000);
afterAll(() => t.close());

test('README.md has graphql examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(5);
});

test.each(blocks.map((block) => [`README.md:${block.line} (${block.heading})`, block] as const))(
  '%s runs against the demo data',
  async (_name, block) => {
    const { status, body } = await t.graphql(block.query);
    if (body.errors || status !== 200) {
      throw new Error(
        `The README example at README.md line ${block.line}, under "${block.heading}"` +
          (block.caption ? ` after "${block.caption.slice(0, 100)}"` : '') +
          `, fails on the demo data (HTTP ${status}):\n${JSON.stringify(body.errors, null, 2)}\n` +
          `The block:\n${block.query}`,
      );
    }
    results.set(block, body.data);
  },
);

/** The answer of the one README block whose text holds `marker`. */
function answerOf(marker: string): any {
  const found = blocks.filter((block) => block.query.includes(marker));
  expect(found).toHaveLength(1);
  expect(results.has(found[0])).toBe(true);
  return results.get(found[0]);
}

test('the MRR example equals MRR at this month start, summed in SQL from the history', async () => {
  const data = answerOf('compare: SAME_PERIOD_LAST_YEAR');
  const monthStart = new Date();
  monthStart.setUTCDate(1);
  monthStart.setUTCHours(0, 0, 0, 0);
  // Each subscription's latest history row at the month start; paying statuses on paid plans,
  // test and deleted accounts left out.
  const [{ cents }] = await t.db.dataSource.query(
    `SELECT coalesce(sum(h.mrr_minor), 0)::bigint AS cents
     FROM (SELECT DISTINCT ON (subscription_id) * FROM subscription_history
           WHERE effective_at <= $1 ORDER BY subscription_id, effective_at DESC, id DESC) h
     JOIN subscriptions s ON s.id = h.subscription_id AND s.deleted_at IS NULL
     JOIN accounts a ON a.id = h.account_id AND NOT a.is_test AND a.deleted_at IS NULL
     JOIN plans p ON p.id = h.plan_id AND p.is_paid
     WHERE h.status_code IN ('ACTIVE', 'PAST_DUE')`,
    [monthStart],
  );
  expect(Number(cents)).toBeGreaterThan(0);
  expect(data.metric.points).toHaveLength(12);
  expect(data.metric.points[11].start).toBe(monthStart.toISOString());
  expect(data.metric.total).toBe(Number(cents) / 100);
});

test('the upsertSubscription examples wrote what they show, and the partial update kept the rest', async () => {
  const rows = await t.db.dataSource.query(
    `SELECT s.status_code, s.mrr_minor::int AS mrr_minor, s.seats, a.external_id AS account
     FROM subscriptions s JOIN accounts a ON a.id = s.account_id WHERE s.external_id = 'sub_readme_1'`,
  );
  expect(rows).toEqual([
    { status_code: 'PAST_DUE', mrr_minor: 19900, seats: 5, account: 'demo-acct-0001' },
  ]);
});

test('the demo data holds 90 days of events ending now, as the README says', async () => {
  const [row] = await t.db.dataSource.query(
    `SELECT count(*)::int AS n, min(occurred_at) AS first, max(occurred_at) AS last FROM events`,
  );
  expect(row.n).toBeGreaterThan(100_000);
  expect(Date.now() - new Date(row.first).getTime()).toBeLessThanOrEqual(91 * 86_400_000);
  expect(Date.now() - new Date(row.last).getTime()).toBeLessThan(86_400_000);
});

test('the complete-days and by-account example: no partial day, external ids with names', async () => {
  const data = answerOf('completeOnly: true');
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  expect(data.dau.window.to).toBe(today.toISOString());
  expect(data.dau.points).toHaveLength(30);
  expect(data.dau.points.some((p: any) => p.partial)).toBe(false);
  const names = await t.db.dataSource.query(
    `SELECT external_id, name FROM accounts
     WHERE external_id IN ('demo-acct-0001', 'demo-acct-0002', 'demo-acct-0003')`,
  );
  const nameOf = new Map(names.map((row: any) => [row.external_id, row.name]));
  for (const point of data.byAccount.points) {
    expect(nameOf.has(point.dimensions.account)).toBe(true);
    expect(point.dimensions.accountName).toBe(nameOf.get(point.dimensions.account));
  }
});

test('the test-account example: 0 and TEST_ACCOUNT, then the MRR SQL sums', async () => {
  const data = answerOf('includeTest: true');
  const monthStart = new Date();
  monthStart.setUTCDate(1);
  monthStart.setUTCHours(0, 0, 0, 0);
  const rows = await t.db.dataSource.query(
    `SELECT a.external_id, coalesce(sum(h.mrr_minor) FILTER (
         WHERE h.status_code IN ('ACTIVE', 'PAST_DUE') AND p.is_paid), 0)::int AS cents
     FROM accounts a
     LEFT JOIN (SELECT DISTINCT ON (subscription_id) * FROM subscription_history
                WHERE effective_at <= $1 ORDER BY subscription_id, effective_at DESC, id DESC) h
       ON h.account_id = a.id
     LEFT JOIN plans p ON p.id = h.plan_id
     WHERE a.is_test AND a.deleted_at IS NULL GROUP BY a.external_id`,
    [monthStart],
  );
  const centsOf = new Map<string, number>(rows.map((row: any) => [row.external_id, row.cents]));
  expect(data.accounts.edges.length).toBe(rows.length);
  for (const { node } of data.accounts.edges) {
    expect(node.left).toEqual({ value: 0, excluded: 'TEST_ACCOUNT' });
    expect(node.counted).toEqual({ value: centsOf.get(node.externalId)! / 100, excluded: null });
  }
});
