import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { invalidInput } from '../../shared/errors';
import { API_KEY_SCOPES, ApiKey, type ApiKeyScope } from './api-key.entity';

export type Principal = { keyId: string; name: string; scopes: ApiKeyScope[] };

const KEY_PREFIX = 'hmy_';
/** How long a verified key is trusted without asking the database again; bounds revocation lag. */
const CACHE_TTL_MS = 10_000;

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
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

/** `admin` carries every other scope. */
export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/** Creates, verifies and revokes API keys; only their SHA-256 hashes are stored. */
export class ApiKeyService {
  private readonly verified = new Map<string, { principal: Principal | null; until: number }>();

  constructor(private readonly dataSource: DataSource) {}

  /** Creates a key and returns it in clear text; this is the only time it can be read. */
  async create(name: string, scopes: ApiKeyScope[]): Promise<{ key: string; record: ApiKey }> {
    if (!name.trim()) throw invalidInput('name', 'must not be empty');
    const key = KEY_PREFIX + crypto.randomBytes(24).toString('base64url');
    const record = await this.insert(name, scopes, key);
    return { key, record };
  }

  /** Makes sure a given key (HARMONY_ADMIN_KEY, the demo key) exists with the admin scope. */
  async ensureKey(name: string, key: string, scopes: ApiKeyScope[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_hash) DO UPDATE SET scopes = EXCLUDED.scopes, revoked_at = NULL`,
      [name, key.slice(0, 12), hashApiKey(key), scopes],
    );
  }

  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { id: 'ASC' } });
  }

  /** Revokes by id or by the key's visible prefix; returns how many keys were revoked. */
  async revoke(idOrPrefix: string): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = now()
         WHERE revoked_at IS NULL AND (id::text = $1 OR prefix = $1) RETURNING id
       ) SELECT id FROM revoked`,
      [idOrPrefix],
    );
    this.verified.clear();
    return rows.length;
  }

  /** The principal behind a key, or null when the key is unknown or revoked. */
  async authenticate(key: string): Promise<Principal | null> {
    const now = Date.now();
    const cached = this.verified.get(key);
    if (cached && cached.until > now) return cached.principal;
    const rows: Array<{ id: string; name: string; scopes: ApiKeyScope[] }> =
      await this.dataSource.query(
        // A CTE so TypeORM hands back rows (it returns [rows, count] for a bare UPDATE).
        `WITH used AS (
         UPDATE api_keys SET last_used_at = now()
         WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, name, scopes
       ) SELECT id, name, scopes FROM used`,
        [hashApiKey(key)],
      );
    const principal = rows[0]
      ? { keyId: rows[0].id, name: rows[0].name, scopes: rows[0].scopes }
      : null;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, { principal, until: now + CACHE_TTL_MS });
    return principal;
  }

  private async insert(name: string, scopes: ApiKeyScope[], key: string): Promise<ApiKey> {
    const repository = this.dataSource.getRepository(ApiKey);
    const [row] = await this.dataSource.query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4) RETURNING id`,
      [name, key.slice(0, 12), hashApiKey(key), scopes],
    );
    return repository.findOneByOrFail({ id: row.id });
  }
}
