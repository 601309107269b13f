import fs from 'node:fs';
import path from 'node:path';
import { ensureConsoleBuilt } from '../../scripts/build-console';
import { startTestServer, type TestServer } from '../support/test-server';

/** /console is served by Harmony itself, without a key; browsers opening /graphql land there. */
let t: TestServer;
let bundleDirectory: string;
beforeAll(async () => {
  [t, bundleDirectory] = await Promise.all([startTestServer(), ensureConsoleBuilt()]);
});
afterAll(() => t.close());

const get = (url: string, accept = 'text/html,application/xhtml+xml,*/*;q=0.8') =>
  fetch(`${t.baseUrl}${url}`, { headers: { accept }, redirect: 'manual' });

test('the page and its bundle load without a key, from Harmony only', async () => {
  const page = await get('/console/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((match) => match[1]);
  expect(assets).toEqual([
    expect.stringMatching(/^app-.*\.css$/),
    expect.stringMatching(/^app-.*\.js$/),
  ]);
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  for (const asset of assets) {
    const response = await get(`/console/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect((await response.arrayBuffer()).byteLength).toBe(
      fs.statSync(path.join(bundleDirectory, asset)).size,
    );
  }
});

test("the bundle holds graphql-ws's browser client for GraphiQL's subscriptions, not its server", () => {
  const map = fs.readdirSync(bundleDirectory).find((file) => /^app-.*\.js\.map$/.test(file))!;
  const sources: string[] = JSON.parse(
    fs.readFileSync(path.join(bundleDirectory, map), 'utf8'),
  ).sources;
  const graphqlWs = sources.filter((source) => source.includes('/graphql-ws/'));
  expect(graphqlWs.map((source) => source.replace(/^.*\/graphql-ws\//, ''))).toEqual([
    expect.stringMatching(/^dist\/common-\w+\.js$/),
    'dist/client.js',
  ]);
  expect(sources.some((source) => source.includes('/@graphiql/toolkit/'))).toBe(true);
});

test('a deep link serves the page; a missing file is a 404', async () => {
  expect((await get('/console/accounts')).status).toBe(200);
  expect((await get('/console/nope-123.js')).status).toBe(404);
});

test("a browser opening /graphql or / gets the console instead of a 401 or Apollo's CDN page", async () => {
  for (const url of ['/graphql', '/']) {
    const response = await get(url);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/console/#/graphiql');
  }
  // Even with a key: Apollo's landing page (Sandbox from a CDN) is switched off.
  const withKey = await fetch(`${t.baseUrl}/graphql`, {
    headers: { accept: 'text/html', authorization: `Bearer ${t.keys.read}` },
    redirect: 'manual',
  });
  expect(withKey.status).toBe(302);
});

test('API clients are unaffected: GET /graphql asking for JSON still needs a key', async () => {
  const response = await get('/graphql?query=%7B__typename%7D', 'application/json');
  expect(response.status).toBe(401);
  const curl = await get('/graphql', '*/*');
  expect(curl.status).toBe(401);
});
