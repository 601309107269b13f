import { invalidInput } from '../../shared/errors';
import { API_KEY_SCOPES, type ApiKeyScope } from './api-key.entity';

export type Principal = { keyId: string; name: string; scopes: ApiKeyScope[] };

/**
 * What each scope grants. `sync` writes and reads back what it wrote (a mutation's result is
 * data), so it includes `read`; `admin` carries every scope; `ingest` grants nothing else.
 */
const GRANTS: Record<ApiKeyScope, readonly ApiKeyScope[]> = {
  ingest: ['ingest'],
  read: ['read'],
  sync: ['sync', 'read'],
  admin: API_KEY_SCOPES,
};

export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.some((held) => GRANTS[held].includes(scope));
}

export function parseScopes(text: string): ApiKeyScope[] {
  const scopes = text
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  if (scopes.length === 0)
    throw invalidInput('scopes', `expected one or more of ${API_KEY_SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!API_KEY_SCOPES.includes(scope as ApiKeyScope)) {
      throw invalidInput('scopes', `expected one of ${API_KEY_SCOPES.join(', ')}, got "${scope}"`);
    }
  }
  return [...new Set(scopes)] as ApiKeyScope[];
}
