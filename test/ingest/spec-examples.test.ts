import fs from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/test-server';
import { postIngest, rollupDifferences } from './support/ingest-helpers';

/** Segment's own example payloads (segmentio/segment-docs, CC BY 4.0), vendored in test/fixtures. */
const EXAMPLES_FILE = path.resolve(
  __dirname,
  '../fixtures/segment-spec/segment_docs_examples.json',
);
type Example = { source_path: string; section: string | null; payload: Record<string, any> };

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** The endpoint an example is posted to: its type, the doc section (HTTP API), or batch. */
function endpointOf(example: Example): string {
  const payload = example.payload;
  if (Array.isArray(payload.batch)) return 'batch';
  if (payload.type) return payload.type;
  const section = String(example.section).toLowerCase();
  if (['identify', 'track', 'page', 'screen', 'group', 'alias'].includes(section)) return section;
  // "Selecting Destinations" shows an identify call with integrations.
  return payload.event ? 'track' : 'identify';
}

const examples: Example[] = fs.existsSync(EXAMPLES_FILE)
  ? JSON.parse(fs.readFileSync(EXAMPLES_FILE, 'utf8'))
  : [];

test('the reference file holds the 28 examples', () => {
  expect(examples).toHaveLength(28);
});

test("every example is accepted with 200; only the spec's identity-less fragments are refused", async () => {
  const outcomes: Array<[number, string, number, number, string[]]> = [];
  for (const [index, example] of examples.entries()) {
    // The docs use a placeholder write key; ours goes in its place.
    const body = { ...example.payload, writeKey: t.keys.ingest };
    const endpoint = endpointOf(example);
    const answer = await postIngest(t.baseUrl, endpoint, body);
    if (answer.status !== 200) throw new Error(`example ${index}: ${JSON.stringify(answer)}`);
    outcomes.push([
      index,
      endpoint,
      answer.status,
      answer.body.stored,
      answer.body.rejected.map((r: any) => r.reason),
    ]);
  }
  const refused = outcomes.filter(([, , , , reasons]) => reasons.length > 0);
  expect(outcomes.every(([, , status]) => status === 200)).toBe(true);
  // Examples 1, 6 and 8 are field-by-field fragments from the spec pages with neither userId
  // nor anonymousId; Segment's own rule (no_user_anon_id) refuses them.
  expect(refused).toEqual([
    [1, 'track', 200, 0, ['no_user_anon_id']],
    [6, 'group', 200, 0, ['no_user_anon_id']],
    [8, 'page', 200, 0, ['no_user_anon_id']],
  ]);
  // The track examples 2 and 3 share a messageId: the second is a duplicate, not stored.
  expect(outcomes.find(([index]) => index === 3)![3]).toBe(0);
  expect(outcomes.reduce((sum, [, , , stored]) => sum + stored, 0)).toBe(24 + 4 - 1 - 3);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});

test('the batch example with "2015-2-02T00:30:08.276Z" is parsed leniently', async () => {
  const rows = await t.db.dataSource.query(
    `SELECT e.occurred_at FROM events e JOIN users u ON u.id = e.user_id
     WHERE u.external_id = '971mj8mk7p'`,
  );
  expect(rows.map((r: any) => new Date(r.occurred_at).toISOString())).toEqual([
    '2015-02-02T00:30:12.984Z',
  ]);
});

test('the B2B SaaS examples land on the account of context.groupId', async () => {
  const rows = await t.db.dataSource.query(
    `SELECT count(*)::int AS n FROM events e JOIN accounts a ON a.id = e.account_id
     WHERE a.external_id = 'acct_123'`,
  );
  expect(rows).toEqual([{ n: 10 }]);
});
