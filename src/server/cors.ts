import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** Headers a browser may send cross-origin: the bearer key and JSON (or analytics.js's text). */
const ALLOWED_HEADERS = 'authorization, content-type, x-request-id';
/** Headers a cross-origin page may read from an answer. */
export const CORS_EXPOSED_HEADERS = 'x-request-id, retry-after';
/** How long a browser may reuse a preflight answer, in seconds (Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * Whether a browser page on `origin` may call Harmony: only origins listed in
 * HARMONY_CORS_ORIGINS (compared exactly, as browsers send them: scheme://host[:port]).
 */
export function isAllowedOrigin(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (!origin) return false;
  return allowedOrigins.includes(origin.toLowerCase());
}

/**
 * The Origin check of a WebSocket upgrade (browsers do not apply CORS to WebSockets, so a page on
 * any site could otherwise open one with the user's cookies or a key it got hold of): allowed
 * without an Origin header (server-side clients send none), from the same origin as the request,
 * or from a listed origin.
 */
export function isAllowedWebSocketOrigin(
  request: IncomingMessage,
  allowedOrigins: readonly string[],
): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  const host = request.headers.host;
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return isAllowedOrigin(origin, allowedOrigins);
}

/**
 * CORS for the API routes: a listed origin gets `Access-Control-Allow-Origin` on every answer
 * (errors included, so the page can read them) and its preflights (OPTIONS) are answered here,
 * before any key is asked for. Other origins get no CORS header: the browser then refuses.
 */
export function corsMiddleware(allowedOrigins: readonly string[]) {
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.headers.origin;
    const allowed = isAllowedOrigin(origin, allowedOrigins);
    // The answer depends on the Origin header: caches must not give one origin's answer to another.
    response.vary('Origin');
    if (allowed) {
      response.setHeader('Access-Control-Allow-Origin', origin!);
      response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
    }
    if (request.method !== 'OPTIONS') return next();
    if (allowed) {
      response.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      response.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      response.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    response.status(204).end();
  };
}
