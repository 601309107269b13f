import { startTestServer, type TestServer } from '../support/test-server';
import { connectLive, subscribe } from './support/live-client';

/** Closing the server completes subscriptions and closes every socket, then resolves. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.db.drop());

test('shutdown drains the sockets: each client is told 1001 (going away) and close resolves', async () => {
  const clients = [connectLive(t.baseUrl, t.keys.read), connectLive(t.baseUrl, t.keys.admin)];
  const live = clients.map(({ client }) =>
    subscribe(
      client,
      `subscription { metricChanged(name: "mrr", window: { relative: LAST_7_DAYS }) { value } }`,
    ),
  );
  for (const subscription of live) expect((await subscription.next()).data).toBeDefined();
  await t.server.close();
  for (const { closed } of clients) expect((await closed).code).toBe(1001);
  expect(t.server.httpServer.listening).toBe(false);
  expect(t.services.live.watchCount).toBe(0);
  // Nothing listens any more: a new connection is refused at the TCP level.
  const late = connectLive(t.baseUrl, t.keys.read);
  expect((await late.closed).code).not.toBe(1000);
  await Promise.all([...clients, late].map(({ client }) => client.dispose()));
});
