import type { DataSource } from 'typeorm';
import { notifyCommittedWrites } from '../db/write-notifications';

/**
 * The tables `npm run seed -- --force` empties: the customer data and everything derived from
 * it (events and their rollups hold account and user ids without foreign keys, so they go too).
 * Definitions and configuration (plans, event definitions, API keys, lookups) are kept.
 */
const DATA_TABLES = [
  'subscription_history',
  'subscriptions',
  'team_members',
  'teams',
  'memberships',
  'anonymous_ids',
  'users',
  'accounts',
  'events',
  'event_message_ids',
  'event_counts_daily',
  'user_activity_daily',
  'user_activity_monthly',
];

/** Empties Harmony's data tables (those that exist) and restarts their ids; returns their names. */
export async function clearHarmonyData(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await dataSource.query(
    `SELECT c.relname AS name FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
     WHERE c.relname = ANY($1) AND c.relkind IN ('r', 'p')`,
    [DATA_TABLES],
  );
  const present = DATA_TABLES.filter((table) => rows.some((row) => row.name === table));
  if (present.length) {
    // CASCADE: tables added later that point at accounts or users (segments, deliveries) are
    // derived data too and would otherwise block the truncate.
    await dataSource.query(`TRUNCATE ${present.join(', ')} RESTART IDENTITY CASCADE`);
    await notifyCommittedWrites(dataSource);
  }
  return present;
}
