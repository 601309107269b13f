import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

test('every catalog metric runs', async () => {
  const defs = await t.query('{ metricDefinitions { name } }');
  for (const { name } of defs.metricDefinitions) {
    for (const timezone of ['UTC', 'Europe/Berlin']) {
      const r = await t.graphql(
        `query($name: String!, $tz: String) { metric(name: $name, window: { from: "2025-01-01T00:00:00Z", to: "2025-04-01T00:00:00Z", timezone: $tz }, grain: MONTH, groupBy: [], compare: PREVIOUS_PERIOD) { total points { value } sql } }`,
        { name, tz: timezone },
      );
      if (r.body.errors) console.log(name, timezone, JSON.stringify(r.body.errors));
      expect(r.body.errors).toBeUndefined();
    }
  }
});
