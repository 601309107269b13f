import { sqlLiteral } from '../../src/ingest/sql';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The writer's last statements travel with COMMIT, without parameters: every value is written
// into the SQL text, so it must read back exactly, whatever characters it holds.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const TRICKY = [
  `O'Brien`,
  'back\\slash',
  'a "quoted" word',
  '{braces}, commas',
  'NULL',
  '',
  ' padded ',
  'ünïcødé ✓',
  `'; DROP TABLE users; --`,
];

test('strings read back unchanged', async () => {
  for (const text of TRICKY) {
    const [row] = await db.dataSource.query(`SELECT ${sqlLiteral(text)}::text AS value`);
    expect(row.value).toBe(text);
  }
});

test('arrays read back unchanged, nulls included', async () => {
  const [row] = await db.dataSource.query(
    `SELECT ${sqlLiteral([...TRICKY, null])}::text[] AS texts,
            ${sqlLiteral(['12', '9007199254740993', null])}::bigint[] AS ids,
            ${sqlLiteral(['2026-01-31', '2026-02-01'])}::date[] AS days`,
  );
  expect(row.texts).toEqual([...TRICKY, null]);
  expect(row.ids).toEqual(['12', '9007199254740993', null]);
  expect(row.days.map((d: Date) => d.toISOString().slice(0, 10))).toEqual([
    '2026-01-31',
    '2026-02-01',
  ]);
});

test('JSON with escapes reads back as the same document', async () => {
  const document = [{ name: 'say "hi"\\n', path: 'C:\\temp', quote: "it's" }];
  const [row] = await db.dataSource.query(
    `SELECT ${sqlLiteral(JSON.stringify(document))}::jsonb AS value`,
  );
  expect(row.value).toEqual(document);
});

test('null is SQL NULL', async () => {
  const [row] = await db.dataSource.query(`SELECT ${sqlLiteral(null)}::text IS NULL AS missing`);
  expect(row.missing).toBe(true);
});
