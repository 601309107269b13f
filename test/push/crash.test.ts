import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { DestinationService } from '../../src/push/destination.service';
import { enqueueChange } from '../../src/push/outbox';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startChildServer } from '../support/child-server';
import { startReceiver, type TestReceiver } from './support/receiver';

const CHILD_SCRIPT = path.join(__dirname, 'support', 'push-child-server.ts');
const EVENTS = 40;
jest.setTimeout(120_000);

let db: TestDatabase;
let receiver: TestReceiver;
let ingestKey: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await startReceiver();
  ingestKey = (await new ApiKeyService(db.dataSource).create('push crash', ['ingest'])).key;
  const destinations = new DestinationService(db.dataSource, {
    allowPrivateUrls: true,
    secretOverlapMs: 0,
  });
  const { secret } = await destinations.upsert({
    name: 'crash-hook',
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'EVENT', event: 'crash_event' }],
  });
  receiver.secrets.push(secret!);
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
  await receiver.close();
  await db.drop();
});

async function startChild(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const started = await startChildServer(CHILD_SCRIPT, {
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.PUSH_DEBUG ? 'warn' : 'silent',
    HARMONY_DB_POOL_SIZE: '6',
    HARMONY_PUSH_WORKER: 'true',
    HARMONY_PUSH_POLL_INTERVAL_MS: '100',
    HARMONY_PUSH_RETRY_SCHEDULE_MS: '0,200,400,800,1600,3200',
    // Longer than the test: a held request only ends with the process.
    HARMONY_PUSH_REQUEST_TIMEOUT_MS: '120000',
  });
  children.push(started.child);
  return started;
}

async function track(baseUrl: string, from: number, to: number): Promise<void> {
  const batch = [];
  for (let i = from; i < to; i++)
    batch.push({
      type: 'track',
      userId: `u-${i % 3}`,
      event: 'crash_event',
      messageId: `crash-${i}`,
    });
  const response = await fetch(`${baseUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${ingestKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
}

test('SIGKILL mid-delivery: the restarted server delivers every change at least once, duplicates share a webhook-id, nothing from a rollback', async () => {
  receiver.behave({ mode: 'hang' });
  const first = await startChild();
  for (let i = 0; i < EVENTS; i += 10) await track(first.baseUrl, i, i + 10);
  await receiver.waitFor(() => receiver.received.length >= 1, 20_000, 'a request held open');

  // A change enqueued in a transaction that rolls back is never delivered.
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await enqueueChange(client, {
    kind: 'EVENT',
    subject: '0',
    eventKey: 'crash_event',
    type: 'event.tracked',
    idempotencyKey: 'event:rolled-back',
    data: { messageId: 'rolled-back' },
  });
  await client.query('ROLLBACK');
  await client.end();

  if (process.env.PUSH_DEBUG)
    console.log(
      'before kill',
      await db.dataSource.query(
        `SELECT id, queue_name, locked_by, locked_at, run_at, attempts, last_error FROM graphile_worker.jobs`,
      ),
      await db.dataSource.query(`SELECT * FROM push_worker_processes`),
    );
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  receiver.behave({ mode: 'ok' });

  const second = await startChild();
  if (process.env.PUSH_DEBUG) {
    await new Promise((r) => setTimeout(r, 5000));
    console.log(
      receiver.received.length,
      await db.dataSource.query(
        `SELECT id, queue_name, locked_by, locked_at, run_at, attempts, last_error FROM graphile_worker.jobs`,
      ),
      await db.dataSource.query(`SELECT * FROM push_worker_processes`),
      await db.dataSource.query(
        `SELECT id, status, attempt_count, next_attempt_at FROM deliveries ORDER BY id LIMIT 5`,
      ),
      await db.dataSource.query(`SELECT count(*) FROM push_changes WHERE delivery_id IS NULL`),
    );
  }
  const keys = () => new Set(receiver.accepted.map((r) => r.idempotencyKey));
  await receiver.waitFor(() => keys().size >= EVENTS, 60_000, 'every change after the restart');
  // The last answer may still be on its way into the ledger.
  const undelivered = async () =>
    (
      await db.dataSource.query(
        `SELECT count(*)::int AS n FROM deliveries WHERE status <> 'DELIVERED'`,
      )
    )[0].n;
  for (let i = 0; i < 100 && (await undelivered()) > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  second.child.kill('SIGTERM');
  if (process.env.PUSH_DEBUG)
    console.log(
      await db.dataSource.query(
        `SELECT c.id, c.idempotency_key, c.delivery_id, d.idempotency_key AS dk FROM push_changes c JOIN deliveries d ON d.id = c.delivery_id ORDER BY c.id LIMIT 12`,
      ),
    );
  if (process.env.PUSH_DEBUG)
    console.log(
      receiver.received.map((r) => `${r.status} ${r.idempotencyKey} ${r.webhookId}`).join('\n'),
    );

  expect(receiver.violations).toEqual([]);
  expect([...keys()].sort()).toEqual(
    Array.from({ length: EVENTS }, (_, i) => `event:crash-${i}`).sort(),
  );
  // At least once: the held request was sent again after the restart, with its webhook-id.
  const webhookIdsByKey = new Map<string, Set<string>>();
  for (const r of receiver.received) {
    const ids = webhookIdsByKey.get(r.idempotencyKey) ?? new Set();
    ids.add(r.webhookId);
    webhookIdsByKey.set(r.idempotencyKey, ids);
  }
  for (const ids of webhookIdsByKey.values()) expect(ids.size).toBe(1);
  const held = receiver.received.find((r) => r.status === 0)!;
  expect(receiver.accepted.some((r) => r.webhookId === held.webhookId)).toBe(true);
  // Delivered in commit order.
  const firstArrival = [
    ...new Map(receiver.accepted.map((r) => [r.idempotencyKey, r.json.data.messageId])).values(),
  ];
  expect(firstArrival).toEqual(Array.from({ length: EVENTS }, (_, i) => `crash-${i}`));
  const [{ pending }] = await db.dataSource.query(
    `SELECT count(*)::int AS pending FROM deliveries WHERE status <> 'DELIVERED'`,
  );
  expect(pending).toBe(0);
});
