import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../domain/api-key/api-key.service';
import type { Services } from './services';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Reads `Authorization: Bearer <key>`. */
export function bearerKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function sendUnauthenticated(response: Response, message: string): void {
  response.status(401).json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
}

/** Requires a valid API key; scopes are checked later, per field. */
export function requireApiKey(services: Services) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const key = bearerKey(request);
    if (!key) {
      return sendUnauthenticated(response, 'Missing API key: send "Authorization: Bearer <key>"');
    }
    const principal = await services.apiKeys.authenticate(key);
    if (!principal) return sendUnauthenticated(response, 'Unknown or revoked API key');
    request.principal = principal;
    next();
  };
}
