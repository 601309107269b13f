import { startTestServer, type TestServer } from '../support/test-server';
import { postIngest, rollupDifferences } from './support/ingest-helpers';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const count = async (sql: string, params: unknown[] = []) =>
  Number((await t.db.dataSource.query(sql, params))[0].n);
const eventsWith = (messageIdPrefix: string) =>
  count(`SELECT count(*) AS n FROM events WHERE message_id LIKE $1`, [`${messageIdPrefix}%`]);

describe('authentication', () => {
  const message = { userId: 'u-auth', event: 'Signed In', messageId: 'auth-1' };

  test('no write key gets 401 JSON and stores nothing', async () => {
    const answer = await postIngest(t.baseUrl, 'track', message);
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await eventsWith('auth-')).toBe(0);
  });

  test('an unknown write key gets 401', async () => {
    const answer = await postIngest(t.baseUrl, 'track', message, 'hmy_not_a_key');
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].message).toBe('Unknown or revoked write key');
  });

  test('a key without the ingest scope gets 403', async () => {
    const answer = await postIngest(t.baseUrl, 'track', message, t.keys.read);
    expect(answer.status).toBe(403);
    expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  test('writeKey in the body works like basic auth, and an admin key may ingest', async () => {
    const byBody = await postIngest(t.baseUrl, 'track', { ...message, writeKey: t.keys.ingest });
    expect(byBody).toEqual({
      status: 200,
      body: { success: true, stored: 1, duplicates: 0, rejected: [] },
    });
    const byAdmin = await postIngest(
      t.baseUrl,
      'track',
      { ...message, messageId: 'auth-2' },
      t.keys.admin,
    );
    expect(byAdmin.body.stored).toBe(1);
    expect(await eventsWith('auth-')).toBe(2);
  });
});

describe('whole-request rules: 4xx and nothing stored', () => {
  test('a body that is not JSON gets 400', async () => {
    const answer = await postIngest(t.baseUrl, 'batch', null, t.keys.ingest, {
      rawBody: '{"batch": [{"userId": "x", "type": "track", "event": "E"',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  test('a JSON array or string body gets 400', async () => {
    expect((await postIngest(t.baseUrl, 'track', [1, 2], t.keys.ingest)).status).toBe(400);
    expect((await postIngest(t.baseUrl, 'track', 'hello', t.keys.ingest)).status).toBe(400);
  });

  test('a body over 500 KB gets 413 and none of its messages is stored', async () => {
    const batch = Array.from({ length: 60 }, (_, i) => ({
      type: 'track',
      userId: 'u-big',
      event: 'Big',
      messageId: `big-${i}`,
      properties: { padding: 'x'.repeat(9_000) },
    }));
    const answer = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
    expect(answer.status).toBe(413);
    expect(answer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await eventsWith('big-')).toBe(0);
  });

  test('a batch of more than 2,500 messages gets 400', async () => {
    const batch = Array.from({ length: 2501 }, (_, i) => ({
      type: 'track',
      userId: 'u',
      event: 'E',
      messageId: `many-${i}`,
    }));
    const answer = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].message).toBe('a batch holds at most 2500 messages, got 2501');
    expect(await eventsWith('many-')).toBe(0);
  });

  test('a batch without a batch array gets 400', async () => {
    const answer = await postIngest(t.baseUrl, 'batch', { events: [] }, t.keys.ingest);
    expect(answer.status).toBe(400);
  });
});

describe('per-message rules: invalid messages are listed, the valid ones stored', () => {
  test('each rule rejects only its message', async () => {
    const good = (n: number) => ({
      type: 'track',
      userId: 'u-rules',
      event: 'Good',
      messageId: `rules-ok-${n}`,
    });
    const batch = [
      good(0),
      { type: 'track', event: 'No Identity', messageId: 'rules-noid' },
      good(1),
      { type: 'track', userId: 'u-rules', messageId: 'rules-noevent' },
      { type: 'track', userId: 'u-rules', event: 'Long Id', messageId: 'm'.repeat(100) },
      {
        type: 'track',
        userId: 'u-rules',
        event: 'Huge',
        messageId: 'rules-huge',
        properties: { blob: 'x'.repeat(33_000) },
      },
      {
        type: 'track',
        userId: 'u-rules',
        event: 'Bad Time',
        messageId: 'rules-time',
        timestamp: 'yesterday',
      },
      { type: 'shout', userId: 'u-rules', messageId: 'rules-type' },
      { userId: 'u-rules', event: 'No Type', messageId: 'rules-notype' },
      { type: 'group', userId: 'u-rules', messageId: 'rules-nogroup' },
      { type: 'alias', userId: 'u-rules', messageId: 'rules-noprevious' },
      {
        type: 'track',
        userId: 'u-rules',
        event: 'Bad Props',
        messageId: 'rules-props',
        properties: [1],
      },
      'not an object',
      good(2),
    ];
    const answer = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(3);
    expect(answer.body.rejected.map((r: any) => [r.index, r.messageId, r.reason])).toEqual([
      [1, 'rules-noid', 'no_user_anon_id'],
      [3, 'rules-noevent', 'missing_event'],
      [4, 'm'.repeat(100), 'message_id_too_long'],
      [5, 'rules-huge', 'message_too_large'],
      [6, 'rules-time', 'invalid_timestamp'],
      [7, 'rules-type', 'invalid_type'],
      [8, 'rules-notype', 'invalid_type'],
      [9, 'rules-nogroup', 'missing_group_id'],
      [10, 'rules-noprevious', 'missing_previous_id'],
      [11, 'rules-props', 'invalid_field'],
      [12, null, 'invalid_field'],
    ]);
    expect(await eventsWith('rules-')).toBe(3);
    expect(
      await count(`SELECT count(*) AS n FROM event_message_ids WHERE message_id LIKE 'rules-%'`),
    ).toBe(3);
  });

  test('values PostgreSQL cannot store cost only their own message', async () => {
    const batch = [
      {
        type: 'track',
        userId: 'u-pg',
        event: 'Nul',
        messageId: 'pg-nul',
        properties: { a: 'x\u0000y' },
      },
      {
        type: 'track',
        userId: 'u-pg',
        event: 'Old',
        messageId: 'pg-1969',
        timestamp: '1969-12-31T23:59:59Z',
      },
      {
        // Corrected for the client's clock (sentAt in 1970), this lands after the year 9999.
        type: 'track',
        userId: 'u-pg',
        event: 'Far',
        messageId: 'pg-far',
        timestamp: '9999-12-31T00:00:00Z',
        sentAt: '1970-01-02T00:00:00Z',
      },
      {
        // And this one before 1970.
        type: 'track',
        userId: 'u-pg',
        event: 'Early',
        messageId: 'pg-early',
        timestamp: '1970-01-01T00:00:00Z',
        sentAt: '2999-01-01T00:00:00Z',
      },
      {
        type: 'group',
        userId: 'u-pg',
        groupId: 'pg-acct',
        messageId: 'pg-group',
        traits: { employees: 1e12 },
      },
      { type: 'track', userId: 'u-pg', event: 'Fine', messageId: 'pg-ok' },
    ];
    const answer = await postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest);
    expect(answer.status).toBe(200);
    expect(answer.body.stored).toBe(2);
    expect(answer.body.rejected.map((r: any) => [r.messageId, r.reason])).toEqual([
      ['pg-nul', 'invalid_field'],
      ['pg-1969', 'invalid_timestamp'],
      ['pg-far', 'invalid_timestamp'],
      ['pg-early', 'invalid_timestamp'],
    ]);
    expect(answer.body.rejected[2].message).toBe(
      'corrected for the client clock (sentAt), the event would fall outside the years 1970 to 9999',
    );
    const [account] = await t.db.dataSource.query(
      `SELECT employee_count, traits FROM accounts WHERE external_id = 'pg-acct'`,
    );
    expect(account).toEqual({ employee_count: null, traits: { employees: 1e12 } });
  });

  test('a messageId of 99 characters is accepted', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { userId: 'u-rules', event: 'Good', messageId: 'k'.repeat(99) },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
  });

  test('a single call with an invalid message answers 200 listing it, as Segment does', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { userId: 'u-rules', messageId: 'single-bad' },
      t.keys.ingest,
    );
    expect(answer).toEqual({
      status: 200,
      body: {
        success: true,
        stored: 0,
        duplicates: 0,
        rejected: [
          {
            index: 0,
            messageId: 'single-bad',
            reason: 'missing_event',
            message: 'a track call needs an event',
          },
        ],
      },
    });
  });

  test('a message without messageId gets one generated and is stored', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'track',
      { userId: 'u-gen', event: 'Generated' },
      t.keys.ingest,
    );
    expect(answer.body.stored).toBe(1);
    const [row] = await t.db.dataSource.query(
      `SELECT e.message_id FROM events e JOIN users u ON u.id = e.user_id WHERE u.external_id = 'u-gen'`,
    );
    expect(row.message_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('deduplication', () => {
  test('a re-sent messageId with a different sentAt is not stored again', async () => {
    const message = {
      type: 'track',
      userId: 'u-dedup',
      event: 'Report Run',
      messageId: 'dedup-1',
      timestamp: '2026-01-10T10:00:00.000Z',
    };
    const first = await postIngest(
      t.baseUrl,
      'batch',
      { batch: [message], sentAt: '2026-01-10T10:00:01.000Z' },
      t.keys.ingest,
    );
    const retry = await postIngest(
      t.baseUrl,
      'batch',
      {
        batch: [message, { ...message, messageId: 'dedup-2' }],
        sentAt: '2026-01-10T10:05:00.000Z',
      },
      t.keys.ingest,
    );
    expect(first.body).toMatchObject({ stored: 1, duplicates: 0 });
    expect(retry.body).toMatchObject({ stored: 1, duplicates: 1 });
    expect(await eventsWith('dedup-1')).toBe(1);
  });

  test('a messageId with quotes, backslashes and braces is claimed and deduplicated', async () => {
    const messageId = `odd'id"with\\back{slash},comma NULL`;
    const message = { type: 'track', userId: 'u-odd', event: 'Odd', messageId };
    const first = await postIngest(t.baseUrl, 'batch', { batch: [message] }, t.keys.ingest);
    const retry = await postIngest(
      t.baseUrl,
      'batch',
      { batch: [message, { ...message, messageId: `${messageId}-2` }] },
      t.keys.ingest,
    );
    expect(first.body).toMatchObject({ stored: 1, duplicates: 0 });
    expect(retry.body).toMatchObject({ stored: 1, duplicates: 1 });
    const stored = await t.db.dataSource.query(
      `SELECT message_id FROM event_message_ids WHERE message_id LIKE 'odd%' ORDER BY 1`,
    );
    expect(stored).toEqual([{ message_id: messageId }, { message_id: `${messageId}-2` }]);
  });

  test('the same messageId twice in one batch is stored once', async () => {
    const message = { type: 'track', userId: 'u-dedup', event: 'Twice', messageId: 'dedup-twice' };
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      { batch: [message, message] },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, duplicates: 1 });
    expect(await eventsWith('dedup-twice')).toBe(1);
  });

  test('concurrent requests with the same messageIds store each once', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => ({
      type: 'track',
      userId: `u-race-${i % 7}`,
      event: 'Race',
      messageId: `race-${i}`,
    }));
    const answers = await Promise.all(
      [0, 1, 2, 3].map(() => postIngest(t.baseUrl, 'batch', { batch }, t.keys.ingest)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.reduce((sum, a) => sum + a.body.stored, 0)).toBe(50);
    expect(await eventsWith('race-')).toBe(50);
    expect(await rollupDifferences(t.db.dataSource)).toEqual([]);
  });
});

describe('timestamps and context', () => {
  test('clock skew is corrected with the server receive time', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      {
        batch: [
          {
            type: 'track',
            userId: 'u-skew',
            event: 'Skewed',
            messageId: 'skew-1',
            timestamp: '2030-01-01T00:00:00.000Z',
          },
        ],
        sentAt: '2030-01-01T00:00:05.000Z',
      },
      t.keys.ingest,
    );
    expect(answer.body.stored).toBe(1);
    const [row] = await t.db.dataSource.query(
      `SELECT extract(epoch FROM received_at - occurred_at)::numeric AS lag FROM events WHERE message_id = 'skew-1'`,
    );
    // The client's clock says the event happened 5 s before it sent the batch.
    expect(Number(row.lag)).toBe(5);
  });

  test('batch-level context is merged into each message, the message winning', async () => {
    await postIngest(
      t.baseUrl,
      'batch',
      {
        context: { device: { type: 'phone' }, locale: 'en-US' },
        integrations: { All: false },
        batch: [
          {
            type: 'track',
            userId: 'u-ctx',
            event: 'Ctx',
            messageId: 'ctx-1',
            context: { locale: 'fr-FR' },
          },
          { type: 'track', userId: 'u-ctx', event: 'Ctx', messageId: 'ctx-2' },
        ],
      },
      t.keys.ingest,
    );
    const rows = await t.db.dataSource.query(
      `SELECT message_id, context FROM events WHERE message_id LIKE 'ctx-%' ORDER BY message_id`,
    );
    expect(rows.map((r: any) => r.context)).toEqual([
      { device: { type: 'phone' }, locale: 'fr-FR', integrations: { All: false } },
      { device: { type: 'phone' }, locale: 'en-US', integrations: { All: false } },
    ]);
  });

  test('the legacy "action" field names the call', async () => {
    const answer = await postIngest(
      t.baseUrl,
      'batch',
      { batch: [{ action: 'track', userId: 'u-legacy', event: 'Legacy', messageId: 'legacy-1' }] },
      t.keys.ingest,
    );
    expect(answer.body).toMatchObject({ stored: 1, rejected: [] });
  });
});
