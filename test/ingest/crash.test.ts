import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { postIngest, rollupDifferences } from './support/ingest-helpers';
import { startChildServer } from '../support/child-server';

const CHILD_SCRIPT = path.join(__dirname, 'support', 'ingest-child-server.ts');
const WORKERS = 3;
const BATCH_SIZE = 100;
const BATCHES = 60;

let db: TestDatabase;
let key: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  key = (await new ApiKeyService(db.dataSource).create('crash test', ['ingest'])).key;
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
  await db.drop();
});

/** Starts a server process over the test database and resolves with its base URL. */
async function startChild(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const started = await startChildServer(CHILD_SCRIPT, {
    DATABASE_URL: db.url,
    HARMONY_DB_POOL_SIZE: '6',
  });
  children.push(started.child);
  return started;
}

/** Batch n: tracks of a few users and accounts, anonymous events, and identifies linking them. */
function batchOf(n: number): unknown[] {
  return Array.from({ length: BATCH_SIZE }, (_, i) => {
    const id = `crash-${n}-${i}`;
    const user = `cu-${(n * 7 + i) % 40}`;
    const timestamp = new Date(Date.UTC(2026, 0, 1 + ((n + i) % 20), i % 24)).toISOString();
    if (i % 25 === 0) return { type: 'group', userId: user, groupId: `ca-${i % 5}`, messageId: id };
    if (i % 10 === 1)
      return {
        type: 'track',
        anonymousId: `anon-${n % 13}`,
        event: 'Visited',
        messageId: id,
        timestamp,
      };
    if (i % 10 === 2)
      return { type: 'identify', userId: user, anonymousId: `anon-${(n + 5) % 13}`, messageId: id };
    return {
      type: 'track',
      userId: user,
      event: `Feature ${i % 4}`,
      messageId: id,
      timestamp,
      context: i % 3 ? {} : { groupId: `ca-${i % 5}` },
    };
  });
}

test('after SIGKILL mid-stream and a restart, every acknowledged message is stored exactly once', async () => {
  let { child, baseUrl } = await startChild();
  const acked = new Set<number>();
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (next < BATCHES && !killed) {
      const n = next++;
      try {
        const answer = await postIngest(baseUrl, 'batch', { batch: batchOf(n) }, key);
        if (answer.status === 200) acked.add(n);
      } catch {
        // The connection died with the server: this batch was not acknowledged.
      }
      if (acked.size >= 15 && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  if (child.exitCode === null && child.signalCode === null)
    await new Promise((resolve) => child.once('exit', resolve));
  expect(killed).toBe(true);
  expect(acked.size).toBeGreaterThanOrEqual(15);
  expect(acked.size).toBeLessThan(BATCHES);

  const eventIdsOf = (n: number) =>
    (batchOf(n) as Array<{ type: string; messageId: string }>)
      .filter((m) => m.type === 'track')
      .map((m) => m.messageId);
  const storedCounts = async () => {
    const rows: Array<{ message_id: string; n: number }> = await db.dataSource.query(
      `SELECT message_id, count(*)::int AS n FROM events GROUP BY message_id`,
    );
    return new Map(rows.map((row) => [row.message_id, row.n]));
  };
  let stored = await storedCounts();
  for (const n of acked) for (const id of eventIdsOf(n)) expect(stored.get(id)).toBe(1);
  expect([...stored.values()].every((count) => count === 1)).toBe(true);
  expect(await rollupDifferences(db.dataSource)).toEqual([]);

  // The client retries what was not acknowledged, and (as after a lost answer) some that were.
  ({ child, baseUrl } = await startChild());
  const retry = [...Array(BATCHES).keys()].filter((n) => !acked.has(n) || n % 4 === 0);
  for (const n of retry) {
    const answer = await postIngest(baseUrl, 'batch', { batch: batchOf(n) }, key);
    expect(answer.status).toBe(200);
  }
  child.kill('SIGTERM');

  stored = await storedCounts();
  for (let n = 0; n < BATCHES; n++) for (const id of eventIdsOf(n)) expect(stored.get(id)).toBe(1);
  expect(stored.size).toBe(BATCHES * eventIdsOf(0).length);
  expect(await rollupDifferences(db.dataSource)).toEqual([]);
  const [{ unattributed }] = await db.dataSource.query(
    `SELECT count(*)::int AS unattributed FROM events e JOIN anonymous_ids a USING (anonymous_id)
     WHERE e.user_id IS NULL AND a.user_id IS NOT NULL`,
  );
  expect(unattributed).toBe(0);
});
