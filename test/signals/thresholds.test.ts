import { nextThresholdState } from '../../src/signals/thresholds/hysteresis';
import { sendAcceptedBatch } from '../ingest/support/ingest-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Thresholds with hysteresis: a value hovering between the enter and exit levels never flaps,
 * and every crossing is recorded on the change feed with the value that caused it.
 */
test('the state only changes past a level: between the two it stays (pure rule)', () => {
  const run = (definition: Parameters<typeof nextThresholdState>[0], values: number[]) => {
    let active = false;
    return values.map((value) => (active = nextThresholdState(definition, active, value)));
  };
  const pql = { direction: 'ABOVE' as const, enter: 70, exit: 60 };
  expect(run(pql, [65, 69.9, 70, 65, 60, 59.9, 65, 69, 70, 100])).toEqual([
    false,
    false,
    true,
    true,
    true,
    false,
    false,
    false,
    true,
    true,
  ]);
  const churn = { direction: 'BELOW' as const, enter: 2, exit: 4 };
  expect(run(churn, [5, 3, 2, 3, 3.9, 4, 3, 2, 0])).toEqual([
    false,
    false,
    true,
    true,
    true,
    false,
    false,
    true,
    true,
  ]);
});

let t: TestServer;
let accountId: string;
beforeAll(async () => {
  // Only the evaluations this test asks for: no background evaluation after writes.
  t = await startTestServer({ thresholdsOnWrites: false });
  await t.query(`mutation { upsertAccount(input: { externalId: "acme", name: "Acme" }) { id } }`);
  accountId = (
    await t.db.dataSource.query(`SELECT id::text FROM accounts WHERE external_id = 'acme'`)
  )[0].id;
});
afterAll(() => t.close());

let sent = 0;
/** One `health_reported` event an hour ago adding `points` to the account's 7-day sum. */
async function report(points: number) {
  sent += 1;
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
    {
      type: 'track',
      userId: 'u1',
      event: 'health_reported',
      properties: { points },
      context: { groupId: 'acme' },
      messageId: `health-${sent}`,
      timestamp: new Date(Date.now() - 3600_000).toISOString(),
    },
  ]);
}

test('defineThreshold checks the order of the levels for the direction', async () => {
  const answer = await t.graphql(
    `mutation($d: JSON!) { defineThreshold(input: { definition: $d }, reason: "try") { name } }`,
    {
      d: {
        name: 'bad',
        label: 'Bad',
        description: 'x',
        metric: 'active_users',
        direction: 'ABOVE',
        enter: 60,
        exit: 70,
      },
    },
  );
  expect(answer.body.errors[0].message).toBe(
    'defineThreshold: threshold "bad", field "exit": ABOVE enters at >= enter and leaves below exit: expected exit <= enter (60), got 70',
  );
  expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
});

test('a value hovering between enter and exit records exactly the three crossings', async () => {
  await report(65);
  await t.query(
    `mutation {
      defineMetric(reason: "test", input: { definition: {
        name: "health_points", label: "Health points", description: "Sum of points reported.",
        owner: "cs", unit: "number", type: "sum", event: "health_reported", property: "points",
        dimensions: ["account"] } }) { version }
    }`,
  );
  const defined = await t.query(
    `mutation { defineThreshold(reason: "CS watch list", input: { yaml: """
name: health_high
label: Healthy
description: 7-day health points of 70 or more; out below 60.
metric: health_points
window: LAST_7_DAYS
direction: ABOVE
enter: 70
exit: 60
""" }) { name version enter exit direction versions { version changedBy reason } } }`,
  );
  expect(defined.defineThreshold).toEqual({
    name: 'health_high',
    version: 1,
    enter: 70,
    exit: 60,
    direction: 'ABOVE',
    versions: [{ version: 1, changedBy: 'test admin', reason: 'CS watch list' }],
  });
  // The 7-day sum after each event: 65 71 65 61 59 65 70.
  const evaluate = () => t.services.thresholds.evaluate([accountId], 'EVENTS');
  const recorded: number[] = [await evaluate()];
  for (const points of [6, -6, -4, -2, 6, 5]) {
    await report(points);
    recorded.push(await evaluate());
  }
  // The shipped thresholds (pql, churn_risk) see nothing: no PQL score, the account is not paying.
  expect(recorded).toEqual([0, 1, 0, 0, 1, 0, 1]);
  expect(await evaluate()).toBe(0); // the same value again records nothing

  const page = async (after: string | null, first: number) =>
    (
      await t.query(
        `query($after: String, $first: Int!) {
          thresholdCrossings(threshold: "health_high", after: $after, first: $first) {
            crossings { cursor accountId entered value previousValue cause }
            endCursor hasNextPage
          }
        }`,
        { after, first },
        t.keys.read,
      )
    ).thresholdCrossings;
  const first = await page(null, 2);
  const rest = await page(first.endCursor, 2);
  expect(first.hasNextPage).toBe(true);
  expect(rest.hasNextPage).toBe(false);
  const crossings = [...first.crossings, ...rest.crossings];
  expect(crossings.map(({ cursor: _cursor, ...c }: any) => c)).toEqual([
    { accountId, entered: true, value: 71, previousValue: 65, cause: 'EVENTS' },
    { accountId, entered: false, value: 59, previousValue: 61, cause: 'EVENTS' },
    { accountId, entered: true, value: 70, previousValue: 65, cause: 'EVENTS' },
  ]);
  // On the change feed, in commit order, with dense cursors.
  const feed = await t.db.dataSource.query(
    `SELECT seq::text AS cursor, changes FROM change_feed WHERE topic = 'threshold' ORDER BY change_feed.seq`,
  );
  expect(feed.map((r: any) => r.cursor)).toEqual(crossings.map((c: any) => c.cursor));
  expect(feed[1].changes).toEqual({
    active: { old: true, new: false },
    value: { old: 61, new: 59 },
    version: { old: null, new: 1 },
  });

  const account = await t.query(
    `{ account(externalId: "acme") { signals {
        thresholds { threshold active value }
        recentCrossings(first: 2) { threshold entered value }
    } } }`,
    undefined,
    t.keys.read,
  );
  expect(account.account.signals).toEqual({
    thresholds: [
      { threshold: 'health_high', active: true, value: 70 },
      // One active user of 10 earns 3.5 of the 35 points of the PQL score's first signal.
      { threshold: 'pql', active: false, value: 3.5 },
    ],
    recentCrossings: [
      { threshold: 'health_high', entered: true, value: 70 },
      { threshold: 'health_high', entered: false, value: 59 },
    ],
  });
});

test('the shipped thresholds: PQL enters at 70 and leaves below 60; churn risk at <= 2 and >= 4 active users', async () => {
  const shipped = await t.query(
    `{ thresholds { name score metric window direction enter exit accounts } }`,
    undefined,
    t.keys.read,
  );
  expect(shipped.thresholds.filter((x: any) => x.name !== 'health_high')).toEqual([
    {
      name: 'churn_risk',
      score: null,
      metric: 'active_users',
      window: 'LAST_30_DAYS',
      direction: 'BELOW',
      enter: 2,
      exit: 4,
      accounts: 'paying',
    },
    {
      name: 'pql',
      score: 'pql',
      metric: null,
      window: 'LAST_30_DAYS',
      direction: 'ABOVE',
      enter: 70,
      exit: 60,
      accounts: 'all',
    },
  ]);
});
