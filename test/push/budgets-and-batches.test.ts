import { Client } from 'pg';
import { PushService } from '../../src/push/push.service';
import { enqueueChanges, type PushChange } from '../../src/push/outbox';
import { createLogger } from '../../src/shared/logger';
import type { TestServer } from '../support/test-server';
import { startReceiver, type TestReceiver } from './support/receiver';
import {
  createDestination,
  DELIVERIES,
  fastPushOptions,
  startPushServer,
  track,
} from './support/push-helpers';

let server: TestServer;
let second: PushService;
const receivers: TestReceiver[] = [];

beforeAll(async () => {
  server = await startPushServer();
  // A second worker on the same database, as another server process would run.
  second = new PushService(server.db.dataSource, fastPushOptions());
  await second.start(createLogger('silent'));
});
afterAll(async () => {
  await second.stop();
  await server.close();
  for (const receiver of receivers) await receiver.close();
});

async function receiverFor(options: Parameters<typeof startReceiver>[0]) {
  const receiver = await startReceiver(options);
  receivers.push(receiver);
  return receiver;
}

const eventsOf = (prefix: string, n: number, event: string) =>
  Array.from({ length: n }, (_, i) => ({
    messageId: `${prefix}-${i}`,
    event,
    userId: `u-${i}`,
    groupId: `acct-${i}`,
  }));

test('two workers deliver each change once, in order, to each destination', async () => {
  const receiverA = await receiverFor({});
  const receiverB = await receiverFor({});
  for (const [name, receiver] of [
    ['two-a', receiverA],
    ['two-b', receiverB],
  ] as const) {
    const { secret } = await createDestination(server, {
      name,
      kind: 'WEBHOOK',
      url: receiver.url,
      tier: 'REALTIME',
      subscriptions: [{ kind: 'EVENT', event: 'two_workers' }],
    });
    receiver.secrets.push(secret);
  }
  for (let batch = 0; batch < 6; batch++)
    await track(server, eventsOf(`two-${batch}`, 10, 'two_workers'));
  const expected = Array.from({ length: 6 }, (_, b) =>
    Array.from({ length: 10 }, (_, i) => `event:two-${b}-${i}`),
  ).flat();
  for (const receiver of [receiverA, receiverB]) {
    await receiver.waitFor(() => receiver.accepted.length >= 60, 20_000, '60 deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.violations).toEqual([]);
    expect(receiver.received.map((r) => r.idempotencyKey)).toEqual(expected);
    expect(new Set(receiver.received.map((r) => r.webhookId)).size).toBe(60);
  }
});

test('a HubSpot destination gets batches of at most 100 records within its budget, across two workers', async () => {
  const receiver = await receiverFor({ kind: 'HUBSPOT', rateLimit: { requests: 2, seconds: 1 } });
  const { secret } = await createDestination(server, {
    name: 'hubspot',
    kind: 'HUBSPOT',
    url: receiver.url,
    tier: 'REALTIME',
    rateLimit: { requests: 2, seconds: 1 },
    subscriptions: [{ kind: 'EVENT', event: 'hub_event' }],
  });
  receiver.secrets.push(secret);
  await track(server, eventsOf('hub-big', 250, 'hub_event'));
  for (let i = 0; i < 4; i++) await track(server, eventsOf(`hub-small-${i}`, 3, 'hub_event'));
  const delivered = async () =>
    (
      await server.db.dataSource.query(
        `SELECT COALESCE(sum(d.change_count), 0)::int AS n FROM deliveries d
         JOIN push_destinations p ON p.id = d.destination_id
         WHERE p.name = 'hubspot' AND d.status = 'DELIVERED'`,
      )
    )[0].n;
  for (let i = 0; i < 200 && (await delivered()) < 262; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await delivered()).toBe(262);
  expect(receiver.violations).toEqual([]);
  expect(receiver.accepted.map((r) => r.json.inputs.length).slice(0, 3)).toEqual([100, 100, 50]);
  expect(receiver.accepted[0].json.inputs[0]).toEqual({
    idProperty: 'harmony_external_id',
    id: 'acct-0',
    properties: {
      harmony_last_event: 'hub_event',
      harmony_last_event_at: '2026-01-05T10:00:00.000Z',
    },
  });
  // Budget: no two requests closer than half a second apart in any one-second window.
  const times = receiver.received.map((r) => r.at);
  for (let i = 2; i < times.length; i++) expect(times[i] - times[i - 2]).toBeGreaterThan(1000);
});

test('Slack gets readable lines at most once a second; a 429 with Retry-After is honoured', async () => {
  const receiver = await receiverFor({ kind: 'SLACK', rateLimit: { requests: 1, seconds: 1 } });
  const { secret } = await createDestination(server, {
    name: 'slack',
    kind: 'SLACK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'EVENT', event: 'slack_event' }],
  });
  receiver.secrets.push(secret);
  receiver.behave({ mode: 'fail', status: 429, retryAfter: '1' });
  await track(server, eventsOf('slack-a', 1, 'slack_event'));
  await receiver.waitFor(() => receiver.received.length >= 1, 10_000, 'the 429');
  receiver.behave({ mode: 'ok' });
  for (let i = 0; i < 2; i++) await track(server, eventsOf(`slack-b${i}`, 2, 'slack_event'));
  const lines = () => receiver.accepted.flatMap((r) => r.json.text.split('\n'));
  await receiver.waitFor(() => lines().length >= 5, 15_000, 'five lines');
  expect(receiver.violations).toEqual([]);
  expect(lines()[0]).toBe('*slack_event* by account acct-0, user u-0 at 2026-01-05T10:00:00.000Z');
  expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(1000);
});

test('a scheduled tier sends one diff: changes to an account field collapse to the latest with the first old value', async () => {
  const receiver = await receiverFor({});
  const { id, secret } = await createDestination(server, {
    name: 'crm-diff',
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'NEAR_REALTIME',
    subscriptions: [{ kind: 'ACCOUNT_VIEW', fields: ['plan'] }],
  });
  receiver.secrets.push(secret);
  // The first batch is due a period after this; both commits below land before it on any machine.
  await server.db.dataSource.query(
    `UPDATE push_destinations SET last_batch_at = now() + interval '3 seconds' WHERE id = $1`,
    [id],
  );
  const change = (
    account: string,
    sequence: number,
    from: string,
    to: string,
    field = 'plan',
  ): PushChange => ({
    kind: 'ACCOUNT_VIEW',
    subject: field,
    type: 'account_view.changed',
    idempotencyKey: `account:${account}:${field}:${sequence}`,
    collapseKey: `${account}:${field}`,
    oldValue: from,
    newValue: to,
    data: { accountExternalId: account, field },
  });
  const client = new Client({ connectionString: server.db.url });
  await client.connect();
  await client.query('BEGIN');
  await enqueueChanges(client, [
    change('acme', 1, 'free', 'pro'),
    change('globex', 2, 'pro', 'team'),
    change('acme', 3, '10', '20', 'seats'),
  ]);
  await client.query('COMMIT');
  await client.query('BEGIN');
  await enqueueChanges(client, [change('acme', 4, 'pro', 'enterprise')]);
  await client.query('COMMIT');
  await client.end();

  await receiver.waitFor(() => receiver.accepted.length >= 1, 10_000, 'the batch');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(receiver.violations).toEqual([]);
  expect(receiver.accepted).toHaveLength(1);
  const body = receiver.accepted[0].json;
  expect(body.type).toBe('changes.batch');
  expect(body.data.changes.map((c: any) => c.data)).toEqual([
    {
      accountExternalId: 'globex',
      field: 'plan',
      idempotencyKey: 'account:globex:plan:2',
      oldValue: 'pro',
      newValue: 'team',
    },
    {
      accountExternalId: 'acme',
      field: 'plan',
      idempotencyKey: 'account:acme:plan:4',
      oldValue: 'free',
      newValue: 'enterprise',
    },
  ]);
  const { deliveries } = await server.query(DELIVERIES, { destination: id });
  expect(deliveries.edges.map((e: any) => [e.node.status, e.node.changeCount])).toEqual([
    ['DELIVERED', 2],
  ]);
  const [{ covered }] = await server.db.dataSource.query(
    `SELECT count(*)::int AS covered FROM push_changes WHERE destination_id = $1 AND delivery_id IS NOT NULL`,
    [id],
  );
  expect(covered).toBe(3);
});
