import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../src/config/config';
import { isAllowedOrigin, isAllowedWebSocketOrigin } from '../../src/server/cors';
import { startTestServer, type TestServer } from '../support/test-server';

const ALLOWED = 'http://dashboard.example.test:8080';
const OTHER = 'https://evil.example.test';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ corsOrigins: [ALLOWED, 'https://app.example.test'] });
});
afterAll(() => t.close());

describe('HARMONY_CORS_ORIGINS', () => {
  test('is a comma-separated list of origins, none by default', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ HARMONY_CORS_ORIGINS: ' https://App.example.com , http://localhost:3000/ ,' })
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  test('refuses what is not an origin, naming the entry', () => {
    expect(() => loadConfig({ HARMONY_CORS_ORIGINS: 'https://a.example.com/path' })).toThrow(
      /HARMONY_CORS_ORIGINS: expected origins like https:\/\/app.example.com .* got "https:\/\/a.example.com\/path"/,
    );
    expect(() => loadConfig({ HARMONY_CORS_ORIGINS: '*' })).toThrow(/got "\*"/);
  });

  test('isAllowedOrigin compares exactly', () => {
    const list = ['https://app.example.com'];
    expect(isAllowedOrigin('https://app.example.com', list)).toBe(true);
    expect(isAllowedOrigin('https://app.example.com:443x', list)).toBe(false);
    expect(isAllowedOrigin('http://app.example.com', list)).toBe(false);
    expect(isAllowedOrigin('https://app.example.com.evil.test', list)).toBe(false);
    expect(isAllowedOrigin(undefined, list)).toBe(false);
    expect(isAllowedOrigin('null', list)).toBe(false);
  });

  test('the WebSocket check admits no Origin, the same origin and listed origins only', () => {
    const upgrade = (headers: Record<string, string>) => ({ headers }) as IncomingMessage;
    const list = [ALLOWED];
    expect(isAllowedWebSocketOrigin(upgrade({ host: 'h:4000' }), list)).toBe(true);
    expect(
      isAllowedWebSocketOrigin(upgrade({ host: 'h:4000', origin: 'http://h:4000' }), list),
    ).toBe(true);
    expect(isAllowedWebSocketOrigin(upgrade({ host: 'h:4000', origin: ALLOWED }), list)).toBe(true);
    expect(isAllowedWebSocketOrigin(upgrade({ host: 'h:4000', origin: OTHER }), list)).toBe(false);
  });
});

const preflight = (path: string, origin: string, headers = 'authorization, content-type') =>
  fetch(`${t.baseUrl}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': headers,
    },
  });

describe('preflights', () => {
  test.each(['/graphql', '/v1/batch', '/v1/t'])(
    'on %s answer a listed origin without a key',
    async (path) => {
      const response = await preflight(path, ALLOWED);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'authorization, content-type, x-request-id',
      );
      expect(response.headers.get('vary')).toMatch(/Origin/);
    },
  );

  test('give another origin no CORS header, so its browser refuses', async () => {
    const response = await preflight('/graphql', OTHER);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describe('requests from a page', () => {
  const query = (origin: string, key?: string) =>
    fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        origin,
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ query: '{ plans(first: 1) { edges { cursor } } }' }),
    });

  test('a listed origin can read the answer, and its errors', async () => {
    const ok = await query(ALLOWED, t.keys.read);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
    const unauthorised = await query(ALLOWED);
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  test('another origin gets no Access-Control-Allow-Origin', async () => {
    const response = await query(OTHER, t.keys.read);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('no Origin (curl, servers): unchanged, no CORS headers', async () => {
    const response = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.read}` },
      body: JSON.stringify({ query: '{ plans(first: 1) { edges { cursor } } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe("Segment's analytics.js from an allowed origin", () => {
  const page = {
    path: '/reports',
    referrer: '',
    search: '',
    title: 'Reports',
    url: `${ALLOWED}/reports`,
  };
  const context = {
    page,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36',
    locale: 'en-US',
    library: { name: 'analytics.js', version: 'next-1.81.0' },
    timezone: 'Europe/Berlin',
  };

  /** What analytics.js's fetch dispatcher sends: text/plain, the write key in the body, no auth. */
  const send = (path: string, body: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { origin: ALLOWED, 'content-type': 'text/plain' },
      body: JSON.stringify(body),
    });

  test('a track call to /v1/t is stored and its answer is readable by the page', async () => {
    const sentAt = '2026-03-02T10:00:01.000Z';
    const response = await send('/v1/t', {
      timestamp: '2026-03-02T10:00:00.000Z',
      integrations: {},
      type: 'track',
      properties: { report: 'pipeline' },
      event: 'Report Viewed',
      context,
      messageId: 'ajs-next-1772445600000-5f1e5a3c-0b5b-4a3a-9d0e-2c3b7c1f1a01',
      anonymousId: '0d6b2f4e-9a3c-4f4b-8e7a-1f2d3c4b5a69',
      userId: 'ajs-user-1',
      writeKey: t.keys.ingest,
      sentAt,
      _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(await response.json()).toEqual({
      success: true,
      stored: 1,
      duplicates: 0,
      rejected: [],
    });
    const rows = await t.db.dataSource.query(
      `SELECT e.type, d.key, e.properties, e.occurred_at, u.external_id
       FROM events e JOIN event_definitions d ON d.id = e.definition_id
       JOIN users u ON u.id = e.user_id
       WHERE e.message_id = 'ajs-next-1772445600000-5f1e5a3c-0b5b-4a3a-9d0e-2c3b7c1f1a01'`,
    );
    expect(rows).toEqual([
      {
        type: 'track',
        key: 'Report Viewed',
        properties: { report: 'pipeline' },
        // sentAt is one second after the timestamp: the clock-skew correction moves it to
        // receivedAt - 1 s, so only check it is a Date.
        occurred_at: expect.any(Date),
        external_id: 'ajs-user-1',
      },
    ]);
  });

  test('identify (/v1/i), page (/v1/p) and a batch (/v1/b) are accepted the same way', async () => {
    const common = {
      context,
      integrations: {},
      anonymousId: 'anon-ajs-2',
      writeKey: t.keys.ingest,
    };
    const identify = await send('/v1/i', {
      ...common,
      type: 'identify',
      userId: 'ajs-user-2',
      traits: { email: 'ajs2@example.test', name: 'Ada' },
      messageId: 'ajs-next-identify-2',
    });
    const pageCall = await send('/v1/p', {
      ...common,
      type: 'page',
      userId: 'ajs-user-2',
      name: 'Reports',
      properties: page,
      messageId: 'ajs-next-page-2',
    });
    const batch = await send('/v1/b', {
      writeKey: t.keys.ingest,
      sentAt: new Date().toISOString(),
      batch: [
        {
          ...common,
          type: 'track',
          userId: 'ajs-user-2',
          event: 'Clicked',
          messageId: 'ajs-next-b-1',
        },
        {
          ...common,
          type: 'track',
          userId: 'ajs-user-2',
          event: 'Clicked',
          messageId: 'ajs-next-b-2',
        },
      ],
    });
    for (const response of [identify, pageCall, batch]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    }
    expect(((await batch.json()) as any).stored).toBe(2);
    const [user] = await t.db.dataSource.query(
      `SELECT email, name FROM users WHERE external_id = 'ajs-user-2'`,
    );
    expect(user).toEqual({ email: 'ajs2@example.test', name: 'Ada' });
    const events = await t.db.dataSource.query(
      `SELECT message_id, type FROM events WHERE message_id LIKE 'ajs-next-%-2' OR message_id LIKE 'ajs-next-b-%' ORDER BY message_id`,
    );
    expect(events).toEqual([
      { message_id: 'ajs-next-b-1', type: 'track' },
      { message_id: 'ajs-next-b-2', type: 'track' },
      { message_id: 'ajs-next-page-2', type: 'page' },
    ]);
  });

  test('from an origin not listed, the answer has no CORS header (the page cannot read it)', async () => {
    const response = await fetch(`${t.baseUrl}/v1/t`, {
      method: 'POST',
      headers: { origin: OTHER, 'content-type': 'text/plain' },
      body: JSON.stringify({ type: 'track', event: 'X', userId: 'u', writeKey: t.keys.ingest }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
