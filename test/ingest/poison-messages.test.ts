import { startTestServer, type TestServer } from '../support/test-server';
import { postIngest, rollupDifferences } from './support/ingest-helpers';

// Messages that look valid to JSON but that PostgreSQL refuses. Each must cost only itself: the
// answer is 200, the good messages are stored exactly, the bad one is listed by index.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const rows = (sql: string, params: unknown[] = []) => t.db.dataSource.query(sql, params);

/** Text that does not compress: an index entry of it stays as long as it is. */
function incompressible(length: number, seed = 1): string {
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += String.fromCharCode(0x4e00 + (state % 20000));
  }
  return text;
}

function nested(depth: number, leaf: unknown = 'deep'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { next: value };
  return value;
}

const good = (prefix: string, n: number) => ({
  type: 'track',
  userId: `${prefix}-user`,
  event: 'Good',
  messageId: `${prefix}-ok-${n}`,
  properties: { n },
});

/**
 * Sends [good 0, good 1, poison, good 2] (or the given batch) and checks: 200, exactly the good
 * messages stored, the poison rejected at its index with the reason and a message matching.
 */
async function expectOnlyPoisonRefused(
  prefix: string,
  poison: Record<string, unknown>,
  expected: { message: RegExp; reason?: string },
  body: Record<string, unknown> = {},
) {
  const batch = [good(prefix, 0), good(prefix, 1), poison, good(prefix, 2)];
  const answer = await postIngest(t.baseUrl, 'batch', { ...body, batch }, t.keys.ingest);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ success: true, stored: 3, duplicates: 0 });
  expect(answer.body.rejected).toHaveLength(1);
  expect(answer.body.rejected[0]).toMatchObject({
    index: 2,
    messageId: poison.messageId,
    reason: expected.reason ?? 'invalid_field',
  });
  expect(answer.body.rejected[0].message).toMatch(expected.message);
  expect(
    await rows(
      `SELECT message_id, properties FROM events WHERE message_id LIKE $1 ORDER BY message_id`,
      [`${prefix}-%`],
    ),
  ).toEqual([0, 1, 2].map((n) => ({ message_id: `${prefix}-ok-${n}`, properties: { n } })));
  expect(
    await rows(`SELECT message_id FROM event_message_ids WHERE message_id LIKE $1 ORDER BY 1`, [
      `${prefix}-%`,
    ]),
  ).toEqual([0, 1, 2].map((n) => ({ message_id: `${prefix}-ok-${n}` })));
  return answer.body;
}

describe('lone UTF-16 surrogates (jsonb refuses them)', () => {
  test('in a property value', async () => {
    await expectOnlyPoisonRefused(
      'sur-value',
      { ...good('sur-value', 9), messageId: 'sur-value-bad', properties: { title: 'a\ud800b' } },
      { message: /^properties\.title: .*surrogate/ },
    );
  });

  test('in a property key, deep inside', async () => {
    await expectOnlyPoisonRefused(
      'sur-key',
      {
        ...good('sur-key', 9),
        messageId: 'sur-key-bad',
        properties: { list: [1, { ['k\udc00']: true }] },
      },
      { message: /^properties\.list\.1: .*surrogate/ },
    );
  });

  test('in a userId (text columns would silently store U+FFFD instead)', async () => {
    await expectOnlyPoisonRefused(
      'sur-id',
      { ...good('sur-id', 9), messageId: 'sur-id-bad', userId: 'u\udbff' },
      { message: /^userId: .*surrogate/ },
    );
    expect(
      await rows(`SELECT count(*)::int AS n FROM users WHERE external_id LIKE 'u%\ufffd'`),
    ).toEqual([{ n: 0 }]);
  });

  test('a well-formed pair (an emoji) is stored unchanged', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { userId: 'emoji', event: 'Emoji 🎉', messageId: 'sur-pair', properties: { '🔑': '😀' } },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
    expect(await rows(`SELECT properties FROM events WHERE message_id = 'sur-pair'`)).toEqual([
      { properties: { '🔑': '😀' } },
    ]);
  });

  test('the text "\\u0000" or "\\ud800" (a backslash, not the character) is stored', async () => {
    const properties = { nul: '\\u0000', surrogate: '\\ud800', both: '\\\\u0000' };
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { userId: 'escapes', event: 'Escapes', messageId: 'sur-escaped', properties },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
    expect(await rows(`SELECT properties FROM events WHERE message_id = 'sur-escaped'`)).toEqual([
      { properties },
    ]);
  });
});

describe('batch-level context is checked after it is merged into each message', () => {
  test('a NUL in the batch context refuses every message it reaches, with 200', async () => {
    const batch = [good('ctx-nul', 0), good('ctx-nul', 1)];
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      { context: { ip: '1.2.3.4\u0000' }, batch },
      t.keys.ingest,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ stored: 0, duplicates: 0 });
    expect(answer.body.rejected.map((r: any) => [r.index, r.reason, r.message])).toEqual([
      [0, 'invalid_field', 'context.ip: strings must not contain the NUL character (\\u0000)'],
      [1, 'invalid_field', 'context.ip: strings must not contain the NUL character (\\u0000)'],
    ]);
    expect(await rows(`SELECT message_id FROM events WHERE message_id LIKE 'ctx-nul-%'`)).toEqual(
      [],
    );
  });

  test("a message's own context overrides a bad batch-level key", async () => {
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      {
        context: { ip: 'bad\ud800' },
        batch: [{ ...good('ctx-own', 0), context: { ip: '5.6.7.8' } }],
      },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
    expect(await rows(`SELECT context FROM events WHERE message_id = 'ctx-own-ok-0'`)).toEqual([
      { context: { ip: '5.6.7.8' } },
    ]);
  });

  test('a surrogate in batch-level integrations refuses the messages that take them', async () => {
    // A message with its own integrations does not take the batch's.
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      {
        integrations: { ['Bad\ud800']: true },
        batch: [
          { ...good('ctx-int2', 0), integrations: { All: true } },
          { ...good('ctx-int2', 1), messageId: 'ctx-int2-bad' },
        ],
      },
      t.keys.ingest,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(1);
    expect(answer.body.rejected.map((r: any) => [r.index, r.reason])).toEqual([
      [1, 'invalid_field'],
    ]);
    expect(answer.body.rejected[0].message).toMatch(/^context\.integrations: .*surrogate/);
  });

  test('the 32 KB limit counts the merged message', async () => {
    const body = { context: { padding: 'p'.repeat(20_000) } };
    const big = {
      ...good('ctx-size', 9),
      messageId: 'ctx-size-bad',
      properties: { blob: 'b'.repeat(15_000) },
    };
    const result = await expectOnlyPoisonRefused(
      'ctx-size',
      big,
      {
        message: /^message is 3\d{4} bytes with the batch's context, the limit is 32 KB$/,
        reason: 'message_too_large',
      },
      body,
    );
    expect(result.rejected[0].message).toContain('the limit is 32 KB');
  });
});

describe('lengths the indexes cannot hold', () => {
  test('context.groupId over 255 characters', async () => {
    await expectOnlyPoisonRefused(
      'len-ctx',
      {
        ...good('len-ctx', 9),
        messageId: 'len-ctx-bad',
        context: { groupId: incompressible(3000) },
      },
      { message: /^context\.groupId: must be at most 255 characters, got 3000$/ },
    );
    // 255 characters are fine.
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { ...good('len-ctx', 3), context: { groupId: incompressible(255, 7) } },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
  });

  test('groupId, userId and anonymousId over 255 characters', async () => {
    for (const field of ['userId', 'anonymousId'] as const) {
      await expectOnlyPoisonRefused(
        `len-${field}`,
        {
          ...good(`len-${field}`, 9),
          messageId: `len-${field}-bad`,
          [field]: incompressible(3000),
        },
        { message: new RegExp(`^${field}: must be at most 255 characters`) },
      );
    }
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      {
        batch: [
          good('len-group', 0),
          { type: 'group', userId: 'x', groupId: incompressible(256), messageId: 'len-group-bad' },
        ],
      },
      t.keys.ingest,
    );
    expect(answer.body.stored).toBe(1);
    expect(answer.body.rejected[0].message).toMatch(/^groupId: must be at most 255 characters/);
  });

  test('an event name over 200 characters', async () => {
    await expectOnlyPoisonRefused(
      'len-event',
      { ...good('len-event', 9), messageId: 'len-event-bad', event: incompressible(3000) },
      { message: /^event: must be at most 200 characters, got 3000$/ },
    );
  });

  test('an identify email or a group industry too long for their indexes', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      {
        batch: [
          { type: 'identify', userId: 'len-traits', traits: { email: incompressible(3000) } },
          good('len-traits', 0),
          {
            type: 'group',
            userId: 'len-traits',
            groupId: 'len-traits-acct',
            traits: { industry: incompressible(3000) },
          },
        ],
      },
      t.keys.ingest,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(1);
    expect(answer.body.rejected.map((r: any) => [r.index, r.message])).toEqual([
      [0, 'traits.email: must be at most 255 characters, got 3000'],
      [2, 'traits.industry: must be at most 255 characters, got 3000'],
    ]);
  });
});

describe('nesting depth', () => {
  test('properties nested deeper than 32 levels are refused', async () => {
    await expectOnlyPoisonRefused(
      'deep',
      { ...good('deep', 9), messageId: 'deep-bad', properties: nested(32) as object },
      { message: /^properties(\.next)+: nested more than 32 levels deep \(the limit\)$/ },
    );
    // The message is level 1: properties 31 objects deep reach level 32, the limit.
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { ...good('deep', 5), properties: nested(31) },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
  });

  test('100,000 levels (arrays in the batch context) are refused without blowing the stack', async () => {
    const depth = 100_000;
    const rawBody = `{"context":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}},"batch":[${JSON.stringify(
      good('deep-ctx', 0),
    )}]}`;
    const answer = await postIngest(t.baseUrl, 'batch', null, t.keys.ingest, { rawBody });
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(0);
    expect(answer.body.rejected[0].message).toMatch(
      /^context\.deep(\.0)+: nested more than 32 levels/,
    );
  });
  test('100,000 levels inside one message cost only that message', async () => {
    const depth = 100_000;
    const deep = `{"type":"track","userId":"deep-msg","event":"Deep","messageId":"deep-msg-bad","properties":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const rawBody = `{"batch":[${JSON.stringify(good('deep-msg', 0))},${deep}]}`;
    const answer = await postIngest(t.baseUrl, 'batch', null, t.keys.ingest, { rawBody });
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(1);
    expect(answer.body.rejected.map((r: any) => [r.index, r.messageId])).toEqual([
      [1, 'deep-msg-bad'],
    ]);
    expect(answer.body.rejected[0].message).toMatch(
      /^properties\.a(\.0)+: nested more than 32 levels/,
    );
  });
});

describe('a refusal validation did not foresee: the batch is split to find it', () => {
  beforeAll(async () => {
    // Stands in for any value PostgreSQL refuses that validation lets through.
    await rows(`
      CREATE FUNCTION test_poison_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.properties ? 'poison' THEN
          RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'poisoned by the test';
        END IF;
        RETURN NEW;
      END $$`);
    await rows(`CREATE TRIGGER test_poison_event BEFORE INSERT ON events
                FOR EACH ROW EXECUTE FUNCTION test_poison_event()`);
  });
  afterAll(() =>
    rows(`DROP TRIGGER test_poison_event ON events; DROP FUNCTION test_poison_event()`),
  );

  test('one poison among good messages', async () => {
    const answer = await expectOnlyPoisonRefused(
      'split-one',
      { ...good('split-one', 9), messageId: 'split-one-bad', properties: { poison: 1 } },
      { message: /^PostgreSQL refused this message: poisoned by the test \(SQLSTATE 22023\)$/ },
    );
    expect(answer.rejected[0]).toEqual({
      index: 2,
      messageId: 'split-one-bad',
      reason: 'invalid_field',
      message: 'PostgreSQL refused this message: poisoned by the test (SQLSTATE 22023)',
    });
    expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
  });

  test('several poisons among 40 messages, with identify and group calls in between', async () => {
    const poisoned = new Set([0, 7, 8, 23, 39]);
    const batch = Array.from({ length: 40 }, (_, i) => {
      if (i === 10)
        return {
          type: 'group',
          userId: 'split-many',
          groupId: 'split-acct',
          messageId: `split-many-${i}`,
        };
      if (i === 20)
        return {
          type: 'identify',
          userId: 'split-many',
          traits: { name: 'Split' },
          messageId: `split-many-${i}`,
        };
      return {
        type: 'track',
        userId: 'split-many',
        event: 'Split',
        messageId: `split-many-${i}`,
        properties: poisoned.has(i) ? { poison: i } : { n: i },
      };
    });
    const answer = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(35);
    expect(answer.body.duplicates).toBe(0);
    expect(answer.body.rejected.map((r: any) => [r.index, r.messageId, r.reason])).toEqual(
      [...poisoned].map((i) => [i, `split-many-${i}`, 'invalid_field']),
    );
    const storedIds = await rows(
      `SELECT message_id FROM event_message_ids WHERE message_id LIKE 'split-many-%'`,
    );
    expect(storedIds.map((r: any) => r.message_id).sort()).toEqual(
      batch
        .map((m) => m.messageId)
        .filter((_, i) => !poisoned.has(i))
        .sort(),
    );
    expect(
      await rows(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'split-many-%'`),
    ).toEqual([{ n: 33 }]);
    expect(await rows(`SELECT name FROM users WHERE external_id = 'split-many'`)).toEqual([
      { name: 'Split' },
    ]);
    expect(await rollupDifferences(t.db.dataSource)).toEqual([]);

    // The client's retry of the same batch: the good ones are duplicates, the poisons refused again.
    const retry = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
    expect(retry.body).toMatchObject({ stored: 0, duplicates: 35 });
    expect(retry.body.rejected).toHaveLength(5);
  });

  test('concurrent requests merged into one transaction: only the poison is refused', async () => {
    const requests = [0, 1, 2, 3, 4].map((r) =>
      Array.from({ length: 6 }, (_, i) => ({
        ...good(`split-conc-${r}`, i),
        properties: r === 2 && i === 4 ? { poison: true } : { n: i },
      })),
    );
    const answers = await Promise.all(
      requests.map((batch) => postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest)),
    );
    expect(answers.map((a) => [a.status, a.body.stored, a.body.rejected.length])).toEqual([
      [200, 6, 0],
      [200, 6, 0],
      [200, 5, 1],
      [200, 6, 0],
      [200, 6, 0],
    ]);
    expect(answers[2].body.rejected[0]).toMatchObject({ index: 4, messageId: 'split-conc-2-ok-4' });
    expect(
      await rows(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'split-conc-%'`),
    ).toEqual([{ n: 29 }]);
    expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
  });

  test('an error that is not about the data still fails the request (5xx, nothing stored)', async () => {
    await rows(`
      CREATE FUNCTION test_fail_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'not a data error'; END $$`);
    await rows(`CREATE TRIGGER test_fail_event BEFORE INSERT ON events
                FOR EACH ROW EXECUTE FUNCTION test_fail_event()`);
    try {
      const answer = await postIngest(
        t.baseUrl,
        'batch',
        { batch: [good('split-fail', 0), good('split-fail', 1)] },
        t.keys.ingest,
      );
      expect(answer.status).toBe(500);
      expect(
        await rows(`SELECT message_id FROM event_message_ids WHERE message_id LIKE 'split-fail-%'`),
      ).toEqual([]);
    } finally {
      await rows(`DROP TRIGGER test_fail_event ON events; DROP FUNCTION test_fail_event()`);
    }
  });
});
