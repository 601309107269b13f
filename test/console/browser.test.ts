import { ensureConsoleBuilt } from '../../scripts/build-console';
import { loadDemoData } from '../../src/demo/demo-data';
import {
  chromiumAvailable,
  CHROMIUM_PATH,
  launchTestBrowser,
  type TestBrowser,
} from '../support/browser';
import { startTestServer, type TestServer } from '../support/test-server';
import {
  createDestination,
  DELIVERIES,
  fastPushOptions,
  track,
} from '../push/support/push-helpers';
import { startReceiver, type TestReceiver } from '../push/support/receiver';

/**
 * The console in a real browser (headless Chromium) against a server with demo data: every page
 * loads, the charts draw the numbers the API gives, and no request leaves 127.0.0.1.
 * Screenshots go to test-artifacts/.
 */
const available = chromiumAvailable();
if (!available) {
  console.warn(
    `Skipping the console's browser tests: no Chromium at ${CHROMIUM_PATH} ` +
      `(apt-get install -y chromium, or set HARMONY_CHROMIUM_PATH)`,
  );
}
const describeInBrowser = available ? describe : describe.skip;

type ChartData = {
  kind: string;
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
};

jest.setTimeout(120_000);

describeInBrowser('the console in Chromium', () => {
  let t: TestServer;
  let b: TestBrowser;
  let receiver: TestReceiver;

  beforeAll(async () => {
    const serverWithData = async () => {
      // The push worker on, with two quick attempts before a delivery is dead-lettered.
      const server = await startTestServer({
        push: fastPushOptions({ retryScheduleMs: [0, 100] }),
      });
      await loadDemoData(server.db.dataSource, { seed: 7, accounts: 60 });
      return server;
    };
    [t, b, receiver] = await Promise.all([
      serverWithData(),
      launchTestBrowser(),
      startReceiver(),
      ensureConsoleBuilt(),
    ]);
    // Upper bounds for a loaded machine; each page takes a second or two.
    b.page.setDefaultTimeout(50_000);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
    await receiver?.close();
  });

  /** A fresh page load each time, so nothing drawn for the previous page is read by mistake. */
  const open = async (hash: string) => {
    await b.page.goto('about:blank');
    await b.page.goto(`${t.baseUrl}/console/#/${hash}`);
  };
  /** The numbers a chart draws, once it has drawn them. */
  const chartData = async (id: string): Promise<ChartData> => {
    await b.page.waitForSelector(`[data-chart="${id}"][data-rendered="true"] canvas`);
    return b.page.evaluate((chartId) => (globalThis as any).__harmonyChartData[chartId], id);
  };

  test('loads without a key, asks for one and keeps it in localStorage', async () => {
    await open('metrics');
    await b.page.waitForSelector('[data-testid="no-key"]');
    await b.screenshot('00-no-key');
    await b.page.fill('input[name="api-key"]', t.keys.admin);
    await b.page.click('button[type="submit"]');
    await b.page.waitForSelector('[data-page="metrics"]');
    expect(
      await b.page.evaluate(() => (globalThis as any).localStorage.getItem('harmony.apiKey')),
    ).toBe(t.keys.admin);
  });

  test('Metrics: the chart draws the API series and its comparison, and says how fresh it is', async () => {
    await open('metrics?name=mrr&relative=LAST_12_MONTHS&grain=MONTH&compare=PREVIOUS_PERIOD');
    const drawn = await chartData('metric');
    const api = await t.query(`{
      metric(name: "mrr", window: { relative: LAST_12_MONTHS }, grain: MONTH, compare: PREVIOUS_PERIOD) {
        total points { start value } comparison { points { value } }
      }
    }`);
    expect(drawn.kind).toBe('line');
    expect(drawn.categories).toEqual(api.metric.points.map((p: any) => p.start.slice(0, 7)));
    expect(drawn.series).toEqual([
      { name: 'MRR', values: api.metric.points.map((p: any) => p.value) },
      {
        name: 'MRR (comparison)',
        values: api.metric.comparison.points.map((p: any) => p.value),
        dashed: true,
      },
    ]);
    expect(api.metric.total).toBeGreaterThan(0);
    expect(await b.page.textContent('[data-testid="freshness"]')).toMatch(
      /^computed (just now|\d+ s ago|\d+ min ago), (from cache|freshly computed|from \w+) · tier HOURLY$/,
    );
    await b.screenshot('01-metrics-mrr');
  });

  test('Metrics: grouped by plan as bars, one series per plan', async () => {
    await open(
      'metrics?name=active_users&relative=LAST_90_DAYS&grain=MONTH&groupBy=plan&chart=bar',
    );
    const drawn = await chartData('metric');
    const api = await t.query(`{
      metric(name: "active_users", window: { relative: LAST_90_DAYS }, grain: MONTH, groupBy: ["plan"]) {
        points { start value dimensions }
      }
    }`);
    const expected = new Map<string, number[]>();
    for (const point of api.metric.points) {
      const plan = point.dimensions.plan as string;
      expected.set(plan, [...(expected.get(plan) ?? []), point.value]);
    }
    expect(drawn.kind).toBe('bar');
    expect(new Map(drawn.series.map((s) => [s.name, s.values]))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(1);
    await b.screenshot('02-metrics-grouped');
  });

  test('MRR movements: the waterfall adds up to the change in MRR, month by month', async () => {
    await open('mrr?relative=LAST_12_MONTHS');
    const movements = await chartData('mrr-movements');
    const waterfall = await chartData('mrr-waterfall');
    const api = await t.query(`{
      metrics(names: ["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr"],
              window: { relative: LAST_12_MONTHS }, grain: MONTH) { name window { from } points { value } }
    }`);
    const from = new Date(api.metrics[0].window.from);
    const before = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() - 1, 1));
    const mrr = await t.query(
      `query ($from: DateTime!, $to: DateTime!) {
        metric(name: "mrr", window: { from: $from, to: $to }, grain: MONTH) { points { value target } }
      }`,
      {
        from: before.toISOString(),
        to: new Date(Date.UTC(from.getUTCFullYear() + 1, from.getUTCMonth(), 1)).toISOString(),
      },
    );
    const series = (name: string) =>
      api.metrics.find((m: any) => m.name === name).points.map((p: any) => p.value);
    const negative = (values: number[]) => values.map((v) => -v);
    const mrrValues: number[] = mrr.metric.points.map((p: any) => p.value);
    const change = mrrValues.slice(1).map((end, i) => end - mrrValues[i]);
    // The plan's MRR target of each month beside the actuals (the demo data holds none: null).
    const targets = mrr.metric.points.slice(1).map((p: any) => p.target);
    expect(movements.series).toEqual([
      { name: 'New', values: series('new_mrr'), color: '#16a34a' },
      { name: 'Expansion', values: series('expansion_mrr'), color: '#22c55e' },
      { name: 'Reactivation', values: series('reactivation_mrr'), color: '#0891b2' },
      { name: 'Contraction', values: negative(series('contraction_mrr')), color: '#f97316' },
      { name: 'Churn', values: negative(series('churned_mrr')), color: '#dc2626' },
      { name: 'MRR change', values: change, dashed: true, color: '#111827' },
      { name: 'MRR target', values: targets, dashed: true, color: '#9333ea' },
    ]);
    // Each month's movements sum to its MRR change (to the cent).
    change.forEach((delta, month) => {
      const sum = movements.series
        .slice(0, 5)
        .reduce((total, s) => total + (s.values[month] as number), 0);
      expect(sum).toBeCloseTo(delta, 2);
    });
    // The waterfall of the last month: start, the five movements, end.
    const last = change.length - 1;
    expect(waterfall.categories).toEqual([
      'Start MRR',
      'New',
      'Expansion',
      'Reactivation',
      'Contraction',
      'Churn',
      'End MRR',
    ]);
    expect(waterfall.series[0].values).toEqual([
      mrrValues[last],
      ...movements.series.slice(0, 5).map((s) => s.values[last]),
      mrrValues[last + 1],
    ]);
    expect(await b.page.locator('[data-testid="mrr-bridge"] td.ok').count()).toBe(12);
    await b.screenshot('03-mrr-movements');
  });

  test('Accounts: search, open an account, its MRR history and recent events', async () => {
    const api = await t.query(`{
      accounts(first: 25, filter: { search: "a" }) { edges { node { externalId name } } }
    }`);
    await open('accounts?search=a');
    await b.page.waitForSelector('[data-testid="accounts"] tbody tr');
    const names = await b.page
      .locator('[data-testid="accounts"] tbody tr td:nth-child(2)')
      .allTextContents();
    expect(names).toEqual(api.accounts.edges.map((e: any) => e.node.externalId));
    await b.screenshot('04-accounts');

    // The account with the most events, so the recent events table has rows.
    const [busiest] = await t.db.dataSource.query(
      `SELECT a.id::text, a.external_id FROM accounts a JOIN events e ON e.account_id = a.id
       GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1`,
    );
    await open(`accounts/${encodeURIComponent(busiest.external_id)}`);
    const history = await chartData('account-mrr');
    const accountApi = await t.query(
      `query ($where: [DimensionFilterInput!], $externalId: String!) {
        metric(name: "mrr", window: { relative: LAST_12_MONTHS }, grain: MONTH,
               filter: { includeTest: true, includeDeleted: true, where: $where }) { points { value } }
        account(externalId: $externalId) { mrr recentEvents(first: 20) { id event } }
      }`,
      {
        // Id and external id: the account dimension matches whichever of the two it takes.
        where: [{ dimension: 'account', in: [busiest.id, busiest.external_id] }],
        externalId: busiest.external_id,
      },
    );
    expect(history.series[0].values).toEqual(accountApi.metric.points.map((p: any) => p.value));
    await chartData('account-active-users');
    const events = await b.page
      .locator('[data-testid="recent-events"] tbody tr td:nth-child(3)')
      .allTextContents();
    expect(events).toEqual(accountApi.account.recentEvents.map((e: any) => e.event));
    expect(events.length).toBe(20);
    await b.screenshot('05-account');
  });

  test('Accounts: an admin edits the account and a subscription through the upserts', async () => {
    const [account] = await t.db.dataSource.query(
      `SELECT a.external_id, s.external_id AS subscription FROM accounts a
       JOIN subscriptions s ON s.account_id = a.id WHERE a.deleted_at IS NULL ORDER BY a.id LIMIT 1`,
    );
    await open(`accounts/${encodeURIComponent(account.external_id)}`);
    await b.page.waitForSelector('[data-form="account"]');
    await b.page.fill('[data-form="account"] input[name="name"]', 'Renamed in the console');
    await b.page.click('[data-form="account"] button[type="submit"]');
    await b.page.waitForSelector('[data-testid="form-message"]:has-text("Account saved")');
    const [row] = await t.db.dataSource.query(`SELECT name FROM accounts WHERE external_id = $1`, [
      account.external_id,
    ]);
    expect(row.name).toBe('Renamed in the console');

    await b.page.fill(
      '[data-form="subscription"] input[name="subscriptionExternalId"]',
      account.subscription,
    );
    await b.page.fill('[data-form="subscription"] input[name="seats"]', '42');
    await b.page.click('[data-form="subscription"] button[type="submit"]');
    await b.page.waitForSelector('[data-testid="form-message"]:has-text("Subscription saved")');
    const [subscription] = await t.db.dataSource.query(
      `SELECT seats FROM subscriptions WHERE external_id = $1`,
      [account.subscription],
    );
    expect(subscription.seats).toBe(42);
    await b.screenshot('06-account-edited');
  });

  test('Definitions: version history with reasons, and a diff between two versions', async () => {
    const { metricDefinition } = await t.query(`{ metricDefinition(name: "arpa") { definition } }`);
    await t.query(
      `mutation ($definition: JSON!) { defineMetric(input: { definition: $definition }, reason: "Clearer wording for the board deck") { version } }`,
      {
        definition: {
          ...metricDefinition.definition,
          description: 'Average MRR per paying account.',
        },
      },
    );
    await open('definitions?tab=metrics&metric=arpa');
    await b.page.waitForSelector('[data-testid="versions"] tbody tr:nth-child(2)');
    expect(
      await b.page.textContent('[data-testid="versions"] tbody tr:nth-child(2) td:nth-child(4)'),
    ).toBe('Clearer wording for the board deck');
    const added = await b.page.locator('[data-testid="diff"] .added').allTextContents();
    const removed = await b.page.locator('[data-testid="diff"] .removed').allTextContents();
    expect(added).toEqual(['+   "description": "Average MRR per paying account.",']);
    expect(removed).toEqual([
      `-   "description": ${JSON.stringify(metricDefinition.definition.description)},`,
    ]);
    await b.screenshot('07-definitions');
    await open('definitions?tab=events');
    await b.page.waitForSelector('[data-testid="event-definitions"] tbody tr');
    await b.screenshot('08-event-definitions');
  });

  test('Deliveries: a failure shows its status codes; replay delivers it with the same webhook-id', async () => {
    receiver.behave({ mode: 'fail', status: 500 });
    const destination = await createDestination(t, {
      name: 'console-hook',
      kind: 'WEBHOOK',
      url: receiver.url,
      tier: 'REALTIME',
      subscriptions: [{ kind: 'EVENT', event: 'demo_requested' }],
    });
    receiver.secrets.push(destination.secret);
    await track(t, [{ messageId: 'console-1', event: 'demo_requested' }]);
    // Both scheduled attempts answered 500: dead-lettered.
    const apiDelivery = async () =>
      (await t.query(DELIVERIES, { destination: destination.id })).deliveries.edges[0]?.node;
    const settled = async (status: string) => {
      for (let waited = 0; waited < 20_000; waited += 100) {
        const delivery = await apiDelivery();
        if (delivery?.status === status) return delivery;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(
        `the delivery never became ${status}: ${JSON.stringify(await apiDelivery())}`,
      );
    };
    const dead = await settled('DEAD');
    expect(dead.attempts.map((a: any) => a.statusCode)).toEqual([500, 500]);
    expect(receiver.received.map((r) => [r.webhookId, r.status])).toEqual([
      [dead.webhookId, 500],
      [dead.webhookId, 500],
    ]);

    await open(`deliveries?destination=${destination.id}&view=failures`);
    const row = `[data-testid="deliveries"] tr[data-delivery="${dead.id}"]`;
    await b.page.waitForSelector(`${row} td.status:has-text("DEAD")`);
    const codes = () => b.page.locator(`${row} li[data-attempt] .status-code`).allTextContents();
    expect(await codes()).toEqual(dead.attempts.map((a: any) => String(a.statusCode)));
    expect(
      await b.page.locator(`${row} li[data-attempt] .attempt-error`).allTextContents(),
    ).toEqual(dead.attempts.map((a: any) => ` ${a.error}`));
    expect(await b.page.textContent(`${row} td.webhook-id`)).toBe(dead.webhookId);
    expect(
      await b.page.textContent(
        `[data-testid="destinations"] tr[data-destination="${destination.id}"]`,
      ),
    ).toMatch(/failing since/);
    await b.screenshot('09-deliveries-failed');

    // The receiver is back: replay from the page, which follows the delivery until it settles.
    receiver.behave({ mode: 'ok' });
    await b.page.click(`${row} button[data-action="replay"]`);
    expect(await b.page.textContent('[data-testid="replay-message"]')).toBe(
      `Delivery ${dead.id} replayed with webhook-id ${dead.webhookId} (PENDING)`,
    );
    await b.page.waitForSelector(`${row} td.status:has-text("DELIVERED")`);
    const delivered = await settled('DELIVERED');
    expect(delivered.webhookId).toBe(dead.webhookId);
    expect(delivered.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 200]);
    expect(await codes()).toEqual(['500', '500', '200']);
    await b.page.waitForSelector(
      `[data-testid="destinations"] tr[data-destination="${destination.id}"] td:has-text("enabled")`,
    );
    const { destinations } = await t.query(`{ destinations { id failingSince } }`);
    expect(destinations).toEqual([{ id: destination.id, failingSince: null }]);
    expect(receiver.accepted.map((r) => r.webhookId)).toEqual([dead.webhookId]);
    await b.screenshot('10-deliveries-replayed');

    // Everything since a day ago, from the Recent tab: sent once more, same webhook-id.
    await b.page.click('[data-tab="recent"]');
    await b.page.waitForSelector(`${row} td.status:has-text("DELIVERED")`);
    await b.page.click('[data-form="replay-since"] button[type="submit"]');
    await b.page.waitForSelector('[data-testid="replay-message"]:has-text("created since")');
    expect(await b.page.textContent('[data-testid="replay-message"]')).toMatch(
      /^1 delivery created since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ replayed$/,
    );
    await receiver.waitFor(() => receiver.accepted.length >= 2, 20_000, 'the replay since');
    expect(receiver.accepted.map((r) => r.webhookId)).toEqual([dead.webhookId, dead.webhookId]);
    expect(receiver.violations).toEqual([]);

    // A read key sees why there is nothing to replay.
    const setKey = (key: string) =>
      b.page.evaluate((k) => (globalThis as any).localStorage.setItem('harmony.apiKey', k), key);
    await setKey(t.keys.read);
    await open('deliveries');
    await b.page.waitForSelector('[data-testid="needs-admin"]');
    expect(await b.page.locator('button[data-action="replay"]').count()).toBe(0);
    await setKey(t.keys.admin);
  });

  test('GraphQL: GraphiQL runs a query with the stored key', async () => {
    await open('graphiql');
    await b.page.waitForSelector('.graphiql-container .graphiql-execute-button');
    await b.page.click('.graphiql-execute-button');
    await b.page.waitForFunction(() =>
      (globalThis as any).document
        .querySelector('.graphiql-response')
        ?.textContent?.includes('"total"'),
    );
    await b.screenshot('11-graphiql');
  });

  test('GraphQL: a subscription runs over graphql-ws and shows each new value', async () => {
    const [account] = await t.db.dataSource.query(
      `SELECT a.external_id, p.code AS plan FROM accounts a, plans p
       WHERE NOT a.is_test AND a.deleted_at IS NULL AND p.is_paid ORDER BY a.id, p.code LIMIT 1`,
    );
    const window = { from: '2025-01-01T00:00:00.000Z', to: '2025-07-01T00:00:00.000Z' };
    const total = async () =>
      (
        await t.query(
          `query ($window: WindowInput!) { metric(name: "mrr", window: $window) { total } }`,
          { window },
        )
      ).metric.total as number;
    const before = await total();
    const subscription = `subscription { metricChanged(name: "mrr", window: { from: "${window.from}", to: "${window.to}" }) { value previousValue } }`;
    await open(`graphiql?query=${encodeURIComponent(subscription)}`);
    await b.page.waitForSelector('.graphiql-container .graphiql-execute-button');
    await b.page.click('.graphiql-execute-button');
    const response = async (previousValue: number | null) => {
      await b.page.waitForFunction(
        (expected) =>
          (globalThis as any).document
            .querySelector('.graphiql-response')
            ?.textContent?.includes(`"previousValue": ${expected}`),
        String(previousValue),
      );
      const text: string = await b.page.evaluate(() =>
        (globalThis as any).document
          .querySelector('.graphiql-response .CodeMirror')
          .CodeMirror.getValue(),
      );
      return JSON.parse(text).data.metricChanged;
    };
    expect(await response(null)).toEqual({ value: before, previousValue: null });
    expect(b.sockets).toEqual([`${t.baseUrl.replace(/^http/, 'ws')}/graphql`]);

    // The window's MRR is read at its start: a new subscription in force since December adds
    // its 100, and the new value comes over the socket.
    await t.query(
      `mutation ($input: UpsertSubscriptionInput!) { upsertSubscription(input: $input) { id } }`,
      {
        input: {
          externalId: 'console-live-1',
          accountExternalId: account.external_id,
          planCode: account.plan,
          status: 'ACTIVE',
          mrr: 100,
          startedAt: '2024-12-01T00:00:00.000Z',
          effectiveAt: '2024-12-01T00:00:00.000Z',
        },
      },
    );
    const after = await total();
    expect(after).toBeCloseTo(before + 100, 2);
    expect(await response(before)).toEqual({ value: after, previousValue: before });
    await b.screenshot('12-graphiql-subscription');
  });

  test('no request left 127.0.0.1, and the page logged no error', async () => {
    expect(b.requests.length).toBeGreaterThan(10);
    expect(b.requests.filter((url) => !url.startsWith(`${t.baseUrl}/`))).toEqual([]);
    expect(b.sockets.length).toBeGreaterThan(0);
    expect(
      b.sockets.filter((url) => !url.startsWith(`${t.baseUrl.replace(/^http/, 'ws')}/`)),
    ).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
