import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

/**
 * Where `npm run build` puts the console's bundle (scripts/build-console.ts): `dist/console` at
 * the repository root, found from this file whether it runs from src/ (tests) or dist/src/.
 */
export function defaultConsoleDirectory(): string {
  let directory = __dirname;
  while (!fs.existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return path.join(directory, 'dist', 'console');
}

/**
 * Everything the page may load comes from Harmony itself: no CDN, no fonts from elsewhere, no
 * telemetry. GraphiQL's editor sets inline styles, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * `/console`: the bundled browser console (GraphiQL, metric charts, accounts, definitions). It
 * loads without a key; the page asks for one and sends it as a bearer header to /graphql.
 */
export function createConsoleRouter(directory = defaultConsoleDirectory()): Router {
  const router = express.Router();
  router.use((_request, response, next) => {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // Bundles have content hashes in their names; index.html is always revalidated.
  router.use(
    express.static(directory, {
      index: false,
      immutable: true,
      maxAge: '365d',
      fallthrough: true,
    }),
  );
  router.get(/.*/, (request: Request, response: Response) => {
    const index = path.join(directory, 'index.html');
    if (path.extname(request.path) && request.path !== '/index.html') {
      response.status(404).type('text/plain').send('No such console file');
      return;
    }
    if (!fs.existsSync(index)) {
      response
        .status(503)
        .type('text/plain')
        .send(`The console is not built: run "npm run build" (expected ${index})`);
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return router;
}

/**
 * A browser opening /graphql (or /) gets the console's GraphiQL instead of a 401: a page load
 * cannot carry a bearer header. API clients (POST, or GET asking for JSON) are not affected.
 */
export function redirectBrowsersToConsole(request: Request, response: Response, next: () => void) {
  const wantsPage =
    request.method === 'GET' &&
    request.accepts(['application/json', 'text/html']) === 'text/html' &&
    request.query.query === undefined;
  if (!wantsPage) return next();
  response.redirect(302, '/console/#/graphiql');
}
