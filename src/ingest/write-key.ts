import type { NextFunction, Request, Response } from 'express';
import { assertKeyLength } from '../domain/api-key/api-key-format';
import { hasScope, type Principal } from '../domain/api-key/api-key.service';
import { HarmonyError } from '../shared/errors';

export type WriteKeyAuthenticator = {
  authenticate(key: string): Promise<Principal | null>;
};

/**
 * Authenticates from the Authorization header before the body is parsed, so a request without
 * a valid key costs no 500 KB parse; the principal goes to `response.locals.principal`. Without
 * a usable header, the handler takes `writeKey` from the parsed body (`principalFromBody`).
 */
export function authenticateWriteKeyHeader(apiKeys: WriteKeyAuthenticator) {
  return async (request: Request, response: Response, next: NextFunction) => {
    try {
      const key = writeKeyFromHeader(request.headers.authorization);
      if (key) response.locals.principal = await authenticateWriteKey(apiKeys, key, 'write key');
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The principal the header gave, else the one behind the body's `writeKey`. */
export async function principalOf(
  apiKeys: WriteKeyAuthenticator,
  response: Response,
  body: { writeKey?: unknown },
): Promise<Principal> {
  if (response.locals.principal) return response.locals.principal as Principal;
  if (typeof body.writeKey !== 'string' || !body.writeKey) {
    throw new HarmonyError(
      'UNAUTHENTICATED',
      'Missing write key: send it as the basic-auth user name or as "writeKey" in the body',
    );
  }
  return authenticateWriteKey(apiKeys, body.writeKey, 'writeKey');
}

async function authenticateWriteKey(
  apiKeys: WriteKeyAuthenticator,
  key: string,
  what: string,
): Promise<Principal> {
  assertKeyLength(key, what);
  const principal = await apiKeys.authenticate(key);
  if (!principal) throw new HarmonyError('UNAUTHENTICATED', 'Unknown or revoked write key');
  if (!hasScope(principal, 'ingest')) {
    throw new HarmonyError(
      'FORBIDDEN',
      `The API key "${principal.name}" lacks the ingest scope needed to send events`,
    );
  }
  return principal;
}

/** `Basic base64(key:)` (Segment's way) or `Bearer key`. */
function writeKeyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (basic) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] || undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}
