import type { EntityChange } from './entity-updates';

const MAX_ENTRIES = 500_000;

/**
 * A lower bound of each user's and account's committed `last_seen_at`, per process. The column
 * only moves forward, so an event no later than the bound cannot change it: the row need not be
 * locked or written. Most events of an active user fall under the bound, which keeps the hot
 * user and account rows out of most batches.
 */
export class LastSeenFloor {
  private readonly floors = {
    users: new Map<string, number>(),
    accounts: new Map<string, number>(),
  };

  /** The changes without last-seen times that cannot move the column; empty changes dropped. */
  dropKnown(
    table: 'users' | 'accounts',
    changes: Map<string, EntityChange>,
  ): Map<string, EntityChange> {
    const floors = this.floors[table];
    const kept = new Map<string, EntityChange>();
    for (const [id, change] of changes) {
      const floor = floors.get(id);
      const seenAt =
        change.seenAt && floor !== undefined && change.seenAt.getTime() <= floor
          ? undefined
          : change.seenAt;
      const hasTraits = change.traits !== undefined && Object.keys(change.traits).length > 0;
      if (seenAt || hasTraits || Object.keys(change.columns).length > 0)
        kept.set(id, { ...change, seenAt });
    }
    return kept;
  }

  /** After a commit: the rows' last_seen_at is now at least these times. */
  remember(seen: { users: Map<string, Date>; accounts: Map<string, Date> }): void {
    for (const table of ['users', 'accounts'] as const) {
      const floors = this.floors[table];
      if (floors.size > MAX_ENTRIES) floors.clear();
      for (const [id, at] of seen[table])
        floors.set(id, Math.max(floors.get(id) ?? 0, at.getTime()));
    }
  }
}
