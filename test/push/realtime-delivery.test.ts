import type { TestServer } from '../support/test-server';
import { startReceiver, type TestReceiver } from './support/receiver';
import { createDestination, DELIVERIES, startPushServer, track } from './support/push-helpers';

let server: TestServer;
let receiver: TestReceiver;

beforeAll(async () => {
  server = await startPushServer();
  receiver = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

async function destinationFor(name: string, event: string) {
  const { id, secret } = await createDestination(server, {
    name,
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'EVENT', event }],
  });
  receiver.secrets.push(secret);
  return id;
}

test('a subscribed event is delivered signed, as a Standard Webhooks message; others are not', async () => {
  const id = await destinationFor('sales-hook', 'demo_requested');
  await track(server, [
    {
      messageId: 'rt-1',
      event: 'demo_requested',
      userId: 'ann',
      groupId: 'acme',
      properties: { plan: 'pro' },
    },
    { messageId: 'rt-2', event: 'page_viewed', userId: 'ann', groupId: 'acme' },
  ]);
  await receiver.waitFor(() => receiver.accepted.length >= 1, 10_000, 'one delivery');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(receiver.violations).toEqual([]);
  expect(receiver.accepted).toHaveLength(1);
  const [request] = receiver.accepted;
  expect(request.idempotencyKey).toBe('event:rt-1');
  expect(request.json).toEqual({
    type: 'event.tracked',
    timestamp: expect.any(String),
    data: {
      messageId: 'rt-1',
      event: 'demo_requested',
      eventDefinitionId: expect.any(String),
      timestamp: '2026-01-05T10:00:00.000Z',
      accountExternalId: 'acme',
      userExternalId: 'ann',
      anonymousId: null,
      properties: { plan: 'pro' },
      idempotencyKey: 'event:rt-1',
    },
  });
  const { deliveries } = await server.query(DELIVERIES, { destination: id });
  expect(deliveries.edges).toHaveLength(1);
  const delivery = deliveries.edges[0].node;
  expect(delivery).toMatchObject({
    webhookId: request.webhookId,
    status: 'DELIVERED',
    changeCount: 1,
    attempts: [{ statusCode: 200, error: null }],
  });
  expect(delivery.latencyMs).toBeGreaterThanOrEqual(0);
});

test('a failing receiver gets retries on the schedule, then everything in order once back', async () => {
  receiver.received.length = 0;
  receiver.behave({ mode: 'fail', status: 500 });
  const id = await destinationFor('retry-hook', 'signed_up');
  for (let i = 0; i < 3; i++)
    await track(server, [{ messageId: `retry-${i}`, event: 'signed_up' }]);
  await receiver.waitFor(() => receiver.received.length >= 2, 10_000, 'two failed attempts');
  receiver.behave({ mode: 'ok' });
  await receiver.waitFor(() => receiver.accepted.length >= 3, 10_000, 'three deliveries');
  expect(receiver.accepted.map((r) => r.idempotencyKey)).toEqual([
    'event:retry-0',
    'event:retry-1',
    'event:retry-2',
  ]);
  // Every failed attempt was at the head of the line: nothing overtook the first delivery.
  const failed = receiver.received.filter((r) => r.status === 500);
  expect(new Set(failed.map((r) => r.idempotencyKey))).toEqual(new Set(['event:retry-0']));
  const first = receiver.received.filter((r) => r.idempotencyKey === 'event:retry-0');
  expect(new Set(first.map((r) => r.webhookId)).size).toBe(1);
  const { deliveries } = await server.query(DELIVERIES, { destination: id });
  const head = deliveries.edges.at(-1).node;
  expect(head.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
    ...failed.map(() => 500),
    200,
  ]);
});

test('410 Gone disables the destination and says why', async () => {
  receiver.received.length = 0;
  receiver.behave({ mode: 'gone' });
  const id = await destinationFor('gone-hook', 'churned');
  await track(server, [{ messageId: 'gone-1', event: 'churned' }]);
  await receiver.waitFor(() => receiver.received.length >= 1, 10_000, 'the 410');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { destinations } = await server.query(`{ destinations { id enabled disabledReason } }`);
  const gone = destinations.find((d: { id: string }) => d.id === id);
  expect(gone.enabled).toBe(false);
  expect(gone.disabledReason).toMatch(/^the destination answered 410 Gone at /);
  // Disabled: further events are not enqueued, nothing more is sent.
  await track(server, [{ messageId: 'gone-2', event: 'churned' }]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(receiver.received).toHaveLength(1);
  receiver.behave({ mode: 'ok' });
});

test('replayDelivery sends the same body with the same webhook-id', async () => {
  receiver.received.length = 0;
  const id = await destinationFor('replay-hook', 'upgraded');
  await track(server, [{ messageId: 'replay-1', event: 'upgraded' }]);
  await receiver.waitFor(() => receiver.accepted.length >= 1, 10_000, 'the delivery');
  const { deliveries } = await server.query(DELIVERIES, { destination: id });
  const delivery = deliveries.edges[0].node;
  await server.query(`mutation ($id: ID!) { replayDelivery(id: $id) { id status } }`, {
    id: delivery.id,
  });
  await receiver.waitFor(() => receiver.accepted.length >= 2, 10_000, 'the replay');
  const [first, again] = receiver.accepted;
  expect(again.webhookId).toBe(first.webhookId);
  expect(again.rawBody).toBe(first.rawBody);
  const replayed = await server.query(
    `mutation ($d: ID!, $since: DateTimeISO!) { replayDeliveries(destination: $d, since: $since) }`,
    { d: id, since: '2020-01-01T00:00:00Z' },
  );
  expect(replayed.replayDeliveries).toBe(1);
  await receiver.waitFor(() => receiver.accepted.length >= 3, 10_000, 'the second replay');
  expect(receiver.accepted[2].webhookId).toBe(first.webhookId);
});
