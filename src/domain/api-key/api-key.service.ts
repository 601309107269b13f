import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { listenForNotifications, type NotificationListener } from '../../db/notification-listener';
import { HarmonyError, invalidInput } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { ApiKey, type ApiKeyScope } from './api-key.entity';
import {
  GENERATED_KEY_PREFIX,
  MAX_API_KEY_LENGTH,
  assertKeyLength,
  hashApiKey,
  visiblePrefix,
} from './api-key-format';
import type { Principal } from './scopes';
import { VerdictCache, type VerdictCacheOptions } from './verdict-cache';

export { hashApiKey } from './api-key-format';
export { hasScope, parseScopes, type Principal } from './scopes';

/** The channel a trigger on `api_keys` notifies with the key's hash (migration 1764000008300). */
const KEY_CHANGES_CHANNEL = 'harmony_api_keys';

/**
 * Creates, verifies and revokes API keys; only their SHA-256 hashes are stored. Verdicts are
 * cached per process; with `startListening`, a change to a key (revoked, scopes changed, created,
 * deleted) in any process evicts it here at once. See README "API keys" for the bounds.
 */
export class ApiKeyService {
  private readonly verdicts: VerdictCache;
  private listener?: NotificationListener;

  constructor(
    private readonly dataSource: DataSource,
    cacheOptions: VerdictCacheOptions = {},
  ) {
    this.verdicts = new VerdictCache(cacheOptions);
  }

  /** Hears of key changes from every process; `stopListening` closes the connection. */
  async startListening(logger: Logger): Promise<void> {
    if (this.listener) return;
    this.listener = await listenForNotifications({
      dataSource: this.dataSource,
      channel: KEY_CHANGES_CHANNEL,
      applicationName: 'harmony-key-listener',
      logger,
      // An empty payload (TRUNCATE) means every key may have changed.
      onNotification: (keyHash) => {
        if (keyHash) this.verdicts.evict(keyHash);
        else this.verdicts.clear();
        for (const listener of [...this.keyChangeListeners]) listener(keyHash || null);
      },
      onListeningChange: (listening) => this.verdicts.setListening(listening),
    });
  }

  private readonly keyChangeListeners = new Set<(keyHash: string | null) => void>();

  /**
   * Calls `listener` after a key changed in any process (revoked, scopes changed, …) with its
   * hash, or null when every key may have changed; long-lived connections re-check their key.
   */
  onKeyChange(listener: (keyHash: string | null) => void): () => void {
    this.keyChangeListeners.add(listener);
    return () => this.keyChangeListeners.delete(listener);
  }

  async stopListening(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** How many verdicts this process holds (known keys, and misses). */
  cachedVerdicts(): { keys: number; misses: number } {
    return this.verdicts.size;
  }

  /** Creates a key and returns it in clear text; this is the only time it can be read. */
  async create(name: string, scopes: ApiKeyScope[]): Promise<{ key: string; record: ApiKey }> {
    if (!name.trim()) throw invalidInput('name', 'must not be empty');
    const key = GENERATED_KEY_PREFIX + crypto.randomBytes(24).toString('base64url');
    const [row] = await this.dataSource.query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4) RETURNING id`,
      [name, visiblePrefix(key), hashApiKey(key), scopes],
    );
    const record = await this.dataSource.getRepository(ApiKey).findOneByOrFail({ id: row.id });
    return { key, record };
  }

  /**
   * Makes `key` the one active key named `name` (HARMONY_ADMIN_KEY, the demo key): it exists
   * with these scopes, unrevoked, and every other key of that name is revoked, so a replaced
   * configured key stops working.
   */
  async ensureKey(name: string, key: string, scopes: ApiKeyScope[]): Promise<void> {
    assertKeyLength(key, name);
    const keyHash = hashApiKey(key);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key_hash) DO UPDATE
           SET name = EXCLUDED.name, prefix = EXCLUDED.prefix, scopes = EXCLUDED.scopes,
               revoked_at = NULL`,
        [name, visiblePrefix(key), keyHash, scopes],
      );
      await manager.query(
        `UPDATE api_keys SET revoked_at = now()
         WHERE name = $1 AND key_hash <> $2 AND revoked_at IS NULL`,
        [name, keyHash],
      );
    });
    this.verdicts.clear();
  }

  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { id: 'ASC' } });
  }

  /**
   * Revokes the active key with this id or visible prefix; returns how many were revoked (0 or
   * 1). A prefix shared by several active keys is refused: revoke those by id.
   */
  async revoke(idOrPrefix: string): Promise<number> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const matches: Array<{ id: string; key_hash: string }> = await manager.query(
        `SELECT id, key_hash FROM api_keys
         WHERE revoked_at IS NULL AND (id::text = $1 OR prefix = $1) ORDER BY id FOR UPDATE`,
        [idOrPrefix],
      );
      if (matches.length > 1) {
        const ids = matches.map((match) => match.id);
        throw new HarmonyError(
          'CONFLICT',
          `"${idOrPrefix}" matches ${matches.length} active keys (ids ${ids.join(', ')}): revoke one by its id`,
          { ids },
        );
      }
      // The trigger on api_keys tells every listening process (at commit).
      if (matches[0])
        await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [
          matches[0].id,
        ]);
      return matches;
    });
    for (const match of revoked) this.verdicts.evict(match.key_hash);
    return revoked.length;
  }

  /**
   * The verdict this process already holds for a key, without asking PostgreSQL: a principal,
   * null for a known unknown or revoked key, undefined when not cached (or over-long). It is
   * evicted by the same notifications as `authenticate`'s, so a revoked key stops here at once.
   */
  cachedPrincipal(key: string): Principal | null | undefined {
    if (key.length > MAX_API_KEY_LENGTH) return undefined;
    return this.verdicts.get(hashApiKey(key));
  }

  /**
   * The principal behind a key, or null when the key is unknown or revoked. A key longer than
   * MAX_API_KEY_LENGTH is refused (UNAUTHENTICATED, naming the limit) before any lookup.
   */
  async authenticate(key: string): Promise<Principal | null> {
    assertKeyLength(key);
    const keyHash = hashApiKey(key);
    const cached = this.verdicts.get(keyHash);
    if (cached !== undefined) return cached;
    const generation = this.verdicts.currentGeneration();
    const rows: Array<{ id: string; name: string; scopes: ApiKeyScope[] }> =
      await this.dataSource.query(
        // last_used_at is written at most once a minute per key: a busy key costs no write per
        // request (nor per cache expiry), and a changed row would evict nothing (the trigger
        // ignores it).
        `WITH found AS (
           SELECT id, name, scopes, last_used_at FROM api_keys
           WHERE key_hash = $1 AND revoked_at IS NULL
         ), touched AS (
           UPDATE api_keys SET last_used_at = now() FROM found
           WHERE api_keys.id = found.id
             AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
         )
         SELECT id, name, scopes FROM found`,
        [keyHash],
      );
    const principal = rows[0]
      ? { keyId: rows[0].id, name: rows[0].name, scopes: rows[0].scopes }
      : null;
    this.verdicts.set(keyHash, principal, generation);
    return principal;
  }
}
