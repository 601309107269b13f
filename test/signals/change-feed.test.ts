import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { parseCursor, readChanges, recordChanges, sequenceChanges } from '../../src/signals';

/**
 * The change feed's promise: a reader that stores its last cursor sees every change exactly
 * once, in order, also when writers commit in the opposite order of the order they wrote in.
 */
let db: TestDatabase;
const writers: Client[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  for (let i = 0; i < 2; i++) {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    writers.push(client);
  }
});
afterAll(async () => {
  for (const client of writers) await client.end();
  await db.drop();
});

const change = (label: string) => ({
  topic: 'test',
  accountId: null,
  subject: label,
  cause: 'UPSERT',
  changes: { label: { old: null, new: label } },
});

/** A reader that keeps its cursor, as a sync job does. */
function reader() {
  let cursor = '0';
  const seen: Array<{ seq: string; subject: string | null }> = [];
  return {
    seen,
    poll: async () => {
      const rows = await readChanges(db.dataSource, { after: cursor, first: 50, topic: 'test' });
      for (const row of rows) seen.push({ seq: row.seq, subject: row.subject ?? null });
      if (rows.length) cursor = rows.at(-1)!.seq;
    },
  };
}

test('two writers committing in the opposite order of their writes: seen once each, in commit order', async () => {
  const [a, b] = writers;
  const r = reader();
  await a.query('BEGIN');
  await recordChanges(a, [change('a')]); // written first: the smaller identity
  await b.query('BEGIN');
  await recordChanges(b, [change('b')]);
  await b.query('COMMIT'); // ...but b commits first
  await sequenceChanges(db.dataSource);
  await r.poll();
  // A cursor over the in-transaction identity would now stand past a's row and skip it later:
  const [{ aId, bId }] = await db.dataSource.query(
    `SELECT max(id) FILTER (WHERE subject = 'a') AS "aId", max(id) FILTER (WHERE subject = 'b') AS "bId"
     FROM change_feed`,
  );
  expect(aId).toBeNull(); // a is not committed: invisible
  expect(Number(bId)).toBeGreaterThan(0);
  await a.query('COMMIT');
  await sequenceChanges(db.dataSource);
  await r.poll();
  await r.poll(); // nothing repeats
  expect(r.seen.map((s) => s.subject)).toEqual(['b', 'a']);
  const [ids] = await db.dataSource.query(
    `SELECT max(id) FILTER (WHERE subject = 'a') AS a, max(id) FILTER (WHERE subject = 'b') AS b FROM change_feed`,
  );
  expect(Number(ids.a)).toBeLessThan(Number(ids.b)); // the naive order would have been a, b
  const seqs = r.seen.map((s) => Number(s.seq));
  expect(seqs[1]).toBe(seqs[0] + 1); // dense
});

test('interleaved writers, a sequencer and a polling reader: every change exactly once, in order', async () => {
  const [a, b] = writers;
  const r = reader();
  let stop = false;
  const loops = [
    (async () => {
      while (!stop) {
        await r.poll();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })(),
    (async () => {
      while (!stop) {
        await sequenceChanges(db.dataSource);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })(),
  ];
  const written: string[] = [];
  for (let round = 0; round < 40; round++) {
    // Each round, the writer that wrote first commits last (and every other round the reverse).
    const [first, second] = round % 2 ? [a, b] : [b, a];
    await first.query('BEGIN');
    await recordChanges(first, [change(`r${round}-first-1`), change(`r${round}-first-2`)]);
    await second.query('BEGIN');
    await recordChanges(second, [change(`r${round}-second`)]);
    await second.query('COMMIT');
    written.push(`r${round}-second`);
    await new Promise((resolve) => setTimeout(resolve, round % 3));
    if (round % 5 === 4) {
      await first.query('ROLLBACK'); // an aborted writer leaves no trace and no gap
    } else {
      await first.query('COMMIT');
      written.push(`r${round}-first-1`, `r${round}-first-2`);
    }
  }
  stop = true;
  await Promise.all(loops);
  await sequenceChanges(db.dataSource);
  // Drain: a reader reads 50 per poll, and on a loaded machine the last sequencer run may number
  // more than two pages at once.
  for (let seen = -1; seen !== r.seen.length;) {
    seen = r.seen.length;
    await r.poll();
  }

  const fromTheTest = r.seen.filter((s) => s.subject?.startsWith('r'));
  expect(fromTheTest.map((s) => s.subject).sort()).toEqual([...written].sort());
  expect(new Set(fromTheTest.map((s) => s.seq)).size).toBe(fromTheTest.length);
  const seqs = r.seen.map((s) => Number(s.seq));
  seqs.forEach((seq, i) => i > 0 && expect(seq).toBe(seqs[i - 1] + 1)); // in order, no gap
  // One transaction's changes stay together and in the order it wrote them.
  for (let round = 0; round < 40; round++) {
    if (round % 5 === 4) continue;
    const position = (label: string) => r.seen.findIndex((s) => s.subject === label);
    expect(position(`r${round}-first-1`) + 1).toBe(position(`r${round}-first-2`));
  }
});

test('a cursor that is not a change number is a BAD_USER_INPUT naming the argument', async () => {
  expect(() => parseCursor('abc')).toThrow(/after: expected a change cursor/);
  expect(parseCursor(null)).toBe('0');
});
