import type { NextFunction, Request, Response } from 'express';
import { hasScope, type Principal } from '../domain/api-key/api-key.service';
import type { ApiKeyScope } from '../domain/api-key/api-key.entity';
import { ERROR_CODES, HarmonyError } from '../shared/errors';
import type { Services } from './services';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Any of these opens GraphQL; an `ingest`-only key (often public in a browser) gets nothing. */
export const GRAPHQL_SCOPES: readonly ApiKeyScope[] = ['read', 'sync', 'admin'];

/** Reads `Authorization: Bearer <key>`. */
export function bearerKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Answers a refusal as JSON with the code's HTTP status. */
export function sendError(response: Response, error: HarmonyError): void {
  response.status(ERROR_CODES[error.code]).json({
    errors: [{ message: error.message, extensions: { ...error.details, code: error.code } }],
  });
}

/**
 * Requires a valid API key with a GraphQL scope before the body is even parsed: 401 without
 * one, 403 (FORBIDDEN) for an ingest-only key, so it cannot introspect the schema either.
 * Per-operation and per-field scopes are checked later (graphql/operation-scopes.ts).
 */
export function requireApiKey(services: Services) {
  return async (request: Request, response: Response, next: NextFunction) => {
    try {
      const key = bearerKey(request);
      if (!key) {
        throw new HarmonyError(
          'UNAUTHENTICATED',
          'Missing API key: send "Authorization: Bearer <key>"',
        );
      }
      const principal = await services.apiKeys.authenticate(key);
      if (!principal) throw new HarmonyError('UNAUTHENTICATED', 'Unknown or revoked API key');
      if (!GRAPHQL_SCOPES.some((scope) => hasScope(principal, scope))) {
        throw new HarmonyError(
          'FORBIDDEN',
          `The API key "${principal.name}" has only the ${principal.scopes.join(', ')} scope, ` +
            `which gives no access to GraphQL (it sends events to /v1); GraphQL needs ` +
            `${GRAPHQL_SCOPES.join(', ')}`,
          { requiredScopes: GRAPHQL_SCOPES },
        );
      }
      request.principal = principal;
      next();
    } catch (error) {
      if (error instanceof HarmonyError) return sendError(response, error);
      next(error);
    }
  };
}
