import { Client } from 'pg';
import { postIngest } from '../ingest/support/ingest-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

const LIMIT = 2500;

let server: TestServer;
let holder: Client;
beforeAll(async () => {
  server = await startTestServer({ ingestMaxQueuedMessages: LIMIT });
  holder = new Client({ connectionString: server.db.url });
  await holder.connect();
});
afterAll(async () => {
  await holder.end();
  await server.close();
});

const batchOf = (prefix: string, size: number) => ({
  batch: Array.from({ length: size }, (_, i) => ({
    type: 'track',
    userId: `bp-${prefix}`,
    event: 'Queued',
    messageId: `${prefix}-${i}`,
  })),
});

/** Polls until `condition` holds; fails after 20 s. */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached in 20 s');
}

/** Waits until the four writer lanes are blocked on the held lock. */
function untilLanesBlocked(): Promise<void> {
  return until(async () => {
    // Not on the holder: inside its transaction pg_stat_activity is a snapshot.
    const [{ n }] = await server.db.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return n === 4;
  });
}

test('past the queue bound a batch is refused at once with 503 and Retry-After; the queued ones are stored', async () => {
  // Every writer transaction waits on this lock, so requests pile up in the queue.
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE event_message_ids IN SHARE MODE');
  const post = (prefix: string, size: number) =>
    postIngest(server.baseUrl, 'batch', batchOf(prefix, size), server.keys.ingest);

  const inFlight = ['a', 'b', 'c', 'd'].map((prefix) => post(prefix, 1)); // one per lane
  await untilLanesBlocked();
  const queued = post('queued', 2000);
  await until(() => server.services.ingest.queuedMessages === 2000);

  const refused = await post('refused', 1000);
  expect(refused.status).toBe(503);
  expect(refused.body).toEqual({
    success: false,
    errors: [
      {
        message: `The ingest queue is full: 2000 messages wait for the database, at most ${LIMIT} (HARMONY_INGEST_MAX_QUEUED_MESSAGES); nothing was stored, retry later`,
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      },
    ],
  });

  await holder.query('COMMIT');
  const answers = await Promise.all([...inFlight, queued]);
  expect(answers.map((a) => [a.status, a.body.stored])).toEqual([
    [200, 1],
    [200, 1],
    [200, 1],
    [200, 1],
    [200, 2000],
  ]);
  const [{ stored, refusedStored }] = await server.db.dataSource.query(
    `SELECT count(*) FILTER (WHERE message_id NOT LIKE 'refused-%')::int AS stored,
            count(*) FILTER (WHERE message_id LIKE 'refused-%')::int AS "refusedStored"
       FROM events`,
  );
  expect({ stored, refusedStored }).toEqual({ stored: 2004, refusedStored: 0 });
  // The refused client retries and is stored.
  expect((await post('refused', 1000)).body).toMatchObject({ stored: 1000 });
});

test('the Retry-After header comes with the refusal', async () => {
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE event_message_ids IN SHARE MODE');
  const post = (prefix: string, size: number) =>
    fetch(`${server.baseUrl}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${server.keys.ingest}:`).toString('base64')}`,
      },
      body: JSON.stringify(batchOf(prefix, size)),
    });
  const pending = ['e', 'f', 'g', 'h'].map((prefix) => post(prefix, 1));
  await untilLanesBlocked();
  pending.push(post('i', 2500));
  await until(() => server.services.ingest.queuedMessages === 2500);
  const refused = await post('j', 1);
  expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '1']);
  await holder.query('COMMIT');
  expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
});
