import { ensureByExternalId } from './identities';
import { LastSeenFloor } from './last-seen-floor';
import { sqlLiteral, type Sql } from './sql';

const MAX_IDS_PER_TABLE = 500_000;

/** SQLSTATE of `harmony_assert_entity_epoch()`: the batch used ids from an earlier epoch. */
const STALE_EPOCH = 'HR001';

export function isStaleEntityCache(error: unknown): boolean {
  return (error as { code?: string }).code === STALE_EPOCH;
}

/**
 * What ingestion remembers about user and account rows between batches: external id → id (most
 * batches then need no lookup at all) and last-seen floors. It belongs to one epoch of the two
 * tables (see the `harmony_entity_epoch()` migration): a truncate that restarts their ids, or a
 * hard delete, makes a new epoch, and a cache of the old one would attribute events to whoever
 * got the old ids, or to no row at all. The last statement of a batch's transaction checks the
 * epoch, under a lock a TRUNCATE must wait for; when it moved, the batch is rolled back and
 * starts over with a new cache. A replaced cache is simply dropped: a batch still holding it
 * writes into it unseen.
 */
export class EntityCache {
  readonly lastSeen = new LastSeenFloor();
  private readonly ids = { users: new Map<string, string>(), accounts: new Map<string, string>() };

  private constructor(readonly epoch: string) {}

  /** A cache for the epoch the tables are in now; read before any id is cached in it. */
  static async open(sql: Sql): Promise<EntityCache> {
    return new EntityCache(await entityEpoch(sql));
  }

  /**
   * The statement that ends a batch's transaction with the check; it fails (see
   * `isStaleEntityCache`) when the epoch moved since this cache was opened.
   */
  epochCheck(): string {
    return `SELECT harmony_assert_entity_epoch(${sqlLiteral(this.epoch)})`;
  }

  /** External id → id for each external id named, creating bare rows for new ones. */
  async ensureIds(
    sql: Sql,
    table: 'users' | 'accounts',
    externalIds: Iterable<string | null>,
  ): Promise<Map<string, string>> {
    const known = this.ids[table];
    const found = new Map<string, string>();
    const missing: string[] = [];
    for (const externalId of externalIds) {
      if (externalId === null || found.has(externalId)) continue;
      const id = known.get(externalId);
      if (id === undefined) missing.push(externalId);
      else found.set(externalId, id);
    }
    if (missing.length === 0) return found;
    if (known.size > MAX_IDS_PER_TABLE) known.clear();
    for (const [externalId, id] of await ensureByExternalId(sql, table, missing)) {
      known.set(externalId, id);
      found.set(externalId, id);
    }
    return found;
  }
}

async function entityEpoch(sql: Sql): Promise<string> {
  const [row] = await sql<{ epoch: string }>(`SELECT harmony_entity_epoch() AS epoch`);
  return row.epoch;
}
