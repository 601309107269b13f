import http from 'node:http';
import { Analytics } from '@segment/analytics-node';
import { startTestServer, type TestServer } from '../support/test-server';
import { rollupDifferences } from './support/ingest-helpers';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** The official client, unchanged, pointed at a base URL. */
function segmentClient(host: string, flushAt = 1) {
  return new Analytics({
    writeKey: t.keys.ingest,
    host,
    path: '/v1/batch',
    flushAt,
    flushInterval: 50,
    maxRetries: 3,
  });
}

test('identify, group, track and page from @segment/analytics-node read back over GraphQL', async () => {
  // One batch of five, so the calls apply in the order they were made.
  const analytics = segmentClient(t.baseUrl, 5);
  const errors: unknown[] = [];
  analytics.on('error', (error) => errors.push(error));
  analytics.identify({
    userId: 'seg-ada',
    traits: { email: 'ada@initech.com', name: 'Ada', plan: 'pro' },
  });
  analytics.group({
    userId: 'seg-ada',
    groupId: 'initech',
    traits: { name: 'Initech', industry: 'Software', employees: 120 },
  });
  analytics.identify({
    userId: 'seg-ada',
    traits: { role: 'Administrator' },
    context: { groupId: 'initech' },
  } as any);
  analytics.track({
    userId: 'seg-ada',
    event: 'Report Submitted',
    properties: { pages: 3 },
    context: { groupId: 'initech' },
  } as any);
  analytics.page({
    userId: 'seg-ada',
    name: 'Pricing',
    properties: { url: 'https://initech.com/pricing' },
  });
  await analytics.closeAndFlush({ timeout: 10_000 });
  expect(errors).toEqual([]);

  const { user, account, eventDefinitions } = await t.query(
    `{ user(externalId: "seg-ada") { email name traits lastSeenAt }
       account(externalId: "initech") { name industry employeeCount lastSeenAt
         users(role: "ADMINISTRATOR") { externalId }
         eventCounts(window: { relative: LAST_7_DAYS }) { definition { key } count } }
       eventDefinitions { key } }`,
  );
  expect(user).toMatchObject({ email: 'ada@initech.com', name: 'Ada', traits: { plan: 'pro' } });
  expect(user.lastSeenAt).not.toBeNull();
  expect(account).toMatchObject({ name: 'Initech', industry: 'Software', employeeCount: 120 });
  expect(account.users).toEqual([{ externalId: 'seg-ada' }]);
  expect(account.lastSeenAt).toBe(user.lastSeenAt);
  expect(account.eventCounts).toEqual([
    { definition: { key: 'Page Viewed' }, count: 1 },
    { definition: { key: 'Report Submitted' }, count: 1 },
  ]);
  expect(eventDefinitions.map((d: any) => d.key)).toEqual(['Page Viewed', 'Report Submitted']);
  const [page] = await t.db.dataSource.query(`SELECT properties FROM events WHERE type = 'page'`);
  expect(page.properties).toEqual({ name: 'Pricing', url: 'https://initech.com/pricing' });
});

/**
 * A proxy that forwards the first request, lets Harmony commit it, and still answers 503: the
 * worst case for a client, which must retry a batch that was in fact stored.
 */
function startLosingFirstAnswerProxy(
  target: string,
): Promise<{ url: string; requests: number[]; close(): Promise<void> }> {
  const requests: number[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const upstream = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers: {
        'content-type': 'application/json',
        authorization: String(request.headers.authorization),
      },
      body: Buffer.concat(chunks),
    });
    const body = await upstream.text();
    requests.push(upstream.status);
    if (requests.length === 1) {
      response
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":"unavailable"}');
    } else {
      response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

test('a 503 after the commit makes the client retry, and the retry stores nothing twice', async () => {
  const proxy = await startLosingFirstAnswerProxy(t.baseUrl);
  const analytics = segmentClient(proxy.url);
  const delivered: unknown[] = [];
  analytics.on('track', (ctx) => delivered.push(ctx));
  analytics.track({ userId: 'seg-retry', event: 'Retried', messageId: 'retry-1' });
  await analytics.closeAndFlush({ timeout: 10_000 });
  await proxy.close();

  // Both attempts reached Harmony and were committed (200); the client saw 503, then 200.
  expect(proxy.requests).toEqual([200, 200]);
  const rows = await t.db.dataSource.query(
    `SELECT count(*)::int AS n FROM events WHERE message_id = 'retry-1'`,
  );
  expect(rows).toEqual([{ n: 1 }]);
  expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
});
