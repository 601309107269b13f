import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Browsers send no preflight before a WebSocket: the upgrade itself is refused (403) for a page
 * on an origin HARMONY_CORS_ORIGINS does not list. Clients that send no Origin (servers,
 * scripts) and pages of Harmony's own origin are let through.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ corsOrigins: ['https://app.example.com'] });
});
afterAll(() => t.close());

/** The HTTP status of a WebSocket upgrade to /graphql with these headers (101 when it opens). */
function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `${t.baseUrl.replace('http', 'ws')}/graphql`,
      'graphql-transport-ws',
      {
        headers,
      },
    );
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('error', reject);
  });
}

test('an origin not listed is refused with 403; a listed one, none, and our own open', async () => {
  const own = new URL(t.baseUrl);
  expect(await upgradeStatus({ origin: 'https://evil.example' })).toBe(403);
  expect(await upgradeStatus({ origin: 'https://app.example.com' })).toBe(101);
  expect(await upgradeStatus({})).toBe(101);
  expect(await upgradeStatus({ origin: `http://${own.host}` })).toBe(101);
});
