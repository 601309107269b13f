import fc from 'fast-check';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRow, escapeLiteral, sqlLiteral } from '../../src/ingest/sql';
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
  'tab\there',
  'new\nline and\r\nreturn',
  '\\N',
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

test('a backslash makes an E string, read the same whatever standard_conforming_strings says', async () => {
  expect(escapeLiteral(`it's`)).toBe(`'it''s'`);
  expect(escapeLiteral('a\\b')).toBe(` E'a\\\\b'`);
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const setting of ['on', 'off']) {
      await client.query(`SET standard_conforming_strings = ${setting}`);
      const { rows } = await client.query(`SELECT ${escapeLiteral(`a\\b'c`)}::text AS value`);
      expect(rows[0].value).toBe(`a\\b'c`);
    }
  } finally {
    await client.end();
  }
});

test('COPY rows read back unchanged: tabs, newlines, backslashes, and null apart from "\\N"', async () => {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`CREATE TEMP TABLE copied (n int, value text, document jsonb)`);
    const document = { text: 'say "hi"\n\ttabbed', path: 'C:\\temp' };
    const rows = TRICKY.map((text, n) => copyRow([String(n), text, JSON.stringify(document)]));
    rows.push(copyRow([String(TRICKY.length), null, null]));
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom(`COPY copied (n, value, document) FROM STDIN`));
      stream.once('finish', resolve).once('error', reject);
      stream.end(rows.join(''));
    });
    const { rows: back } = await client.query(`SELECT value, document FROM copied ORDER BY n`);
    expect(back.map((row) => row.value)).toEqual([...TRICKY, null]);
    for (const row of back.slice(0, -1)) expect(row.document).toEqual(document);
    expect(back.at(-1).document).toBeNull();
  } finally {
    await client.end();
  }
});

// Property-based: the statement sent with COMMIT carries values as SQL text, so one escaping
// bug is a multi-statement injection. Seeded and bounded: the same cases on every run.
describe('every literal helper round-trips arbitrary text through PostgreSQL', () => {
  const PROPERTY_RUNS = { seed: 20_261_202, numRuns: 200 };
  // Characters that mean something to a parser, weighted up against the rest of Unicode.
  const special = fc.constantFrom(
    "'",
    "''",
    '\\',
    '\\\\',
    '"',
    '{',
    '}',
    ',',
    '\n',
    '\r',
    '\t',
    ' ',
    ';',
    '--',
    '$$',
    'E',
    'NULL',
    '\\N',
    '\\.',
    '/*',
    '\u2028',
    '\ufeff',
    '😀',
  );
  const anyCodePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
  // NUL and lone surrogates are refused by validation before any SQL is built.
  const text = fc
    .string({
      unit: fc.oneof({ arbitrary: special, weight: 1 }, { arbitrary: anyCodePoint, weight: 2 }),
      maxLength: 30,
    })
    .filter((value) => !value.includes('\0'));
  const nullableText = fc.option(text, { nil: null, freq: 5 });

  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(() => client.end());

  /** Runs one statement by the simple protocol, where a second statement would run too. */
  async function only(statement: string): Promise<any> {
    const result: any = await client.query(statement);
    // Several statements would answer with one result each.
    expect(Array.isArray(result)).toBe(false);
    expect(result.rows).toHaveLength(1);
    return result.rows[0].value;
  }

  for (const standardConformingStrings of ['on', 'off']) {
    describe(`standard_conforming_strings = ${standardConformingStrings}`, () => {
      beforeAll(() =>
        client.query(`SET standard_conforming_strings = ${standardConformingStrings}`),
      );

      test('escapeLiteral and sqlLiteral: a string reads back unchanged', async () => {
        await fc.assert(
          fc.asyncProperty(text, async (value) => {
            expect(await only(`SELECT ${escapeLiteral(value)}::text AS value`)).toBe(value);
            expect(await only(`SELECT ${sqlLiteral(value)}::text AS value`)).toBe(value);
          }),
          PROPERTY_RUNS,
        );
      });

      test('sqlLiteral: an array of strings and nulls reads back as the same array', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(nullableText, { maxLength: 8 }), async (values) => {
            expect(await only(`SELECT ${sqlLiteral(values)}::text[] AS value`)).toEqual(values);
          }),
          PROPERTY_RUNS,
        );
      });

      test('sqlLiteral: a literal between two others cannot end early (no injection)', async () => {
        await fc.assert(
          fc.asyncProperty(text, async (value) => {
            const statement = `SELECT ARRAY['a', ${sqlLiteral(value)}::text, 'z'] AS value`;
            expect(await only(statement)).toEqual(['a', value, 'z']);
          }),
          PROPERTY_RUNS,
        );
      });
    });
  }

  test('copyRow: rows of arbitrary text and nulls load through COPY unchanged', async () => {
    await client.query(`CREATE TEMP TABLE copied_rows (n int, a text, b text, c jsonb)`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(nullableText, nullableText, fc.option(fc.dictionary(text, text))), {
          minLength: 1,
          maxLength: 6,
        }),
        async (rows) => {
          await client.query('TRUNCATE copied_rows');
          const data = rows
            .map(([a, b, c], n) =>
              copyRow([String(n), a, b, c === null ? null : JSON.stringify(c)]),
            )
            .join('');
          await new Promise<void>((resolve, reject) => {
            const stream = client.query(copyFrom(`COPY copied_rows (n, a, b, c) FROM STDIN`));
            stream.once('finish', resolve).once('error', reject);
            stream.end(data);
          });
          const { rows: back } = await client.query(`SELECT a, b, c FROM copied_rows ORDER BY n`);
          expect(back.map((row) => [row.a, row.b, row.c])).toEqual(rows);
        },
      ),
      PROPERTY_RUNS,
    );
  });
});
