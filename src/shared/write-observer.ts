/**
 * The families of inputs a cached answer may depend on. A write that commits a change to one
 * of them tells a `WriteObserver`, which (in the server) bumps that family's cache generation.
 * - `subscriptions`: subscriptions, their history, plans.
 * - `accounts`: accounts, users, memberships, teams (dimensions, isTest, soft deletes).
 * - `events`: events and their rollups.
 */
export const DATA_FAMILIES = ['subscriptions', 'accounts', 'events'] as const;
export type DataFamily = (typeof DATA_FAMILIES)[number];

/**
 * Told AFTER a PostgreSQL commit that changed some families. Domain services, ingestion and the
 * demo loader receive one, so they never import the cache. It never throws and never waits
 * for the cache: a write that committed has succeeded whatever the cache does.
 */
export interface WriteObserver {
  committed(families: readonly DataFamily[]): void;
}

/** For callers built without a cache (scripts, unit tests): observes nothing. */
export const ignoreWrites: WriteObserver = { committed: () => undefined };
