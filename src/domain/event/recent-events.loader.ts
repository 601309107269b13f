import type { DataSource } from 'typeorm';
import { loaderPerArguments, manyPerKeyLoader } from '../../db/loader-helpers';

export type RecentEventRow = {
  account_id: string;
  id: string;
  type: string;
  event: string;
  definition_id: string;
  user_id: string | null;
  anonymous_id: string | null;
  occurred_at: Date;
  received_at: Date;
  message_id: string;
  properties: Record<string, unknown>;
};

/**
 * The newest `first` events per account, for a page of accounts in one statement: a LATERAL
 * walk of events_account_time_idx per account, so it reads `first` rows each, not the table.
 */
export const RECENT_EVENTS_SQL = `
  SELECT a.id::text AS account_id, e.id::text AS id, e.type, d.key AS event,
         e.definition_id::text AS definition_id, e.user_id::text AS user_id, e.anonymous_id,
         e.occurred_at, e.received_at, e.message_id, e.properties
  FROM unnest($1::bigint[]) AS a(id)
  CROSS JOIN LATERAL (
    SELECT * FROM events
    WHERE events.account_id = a.id
    ORDER BY events.occurred_at DESC, events.id DESC
    LIMIT $2
  ) e
  JOIN event_definitions d ON d.id = e.definition_id
  ORDER BY a.id, e.occurred_at DESC, e.id DESC`;

export function createRecentEventLoaders(dataSource: DataSource) {
  return {
    recentEventsByAccountId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<RecentEventRow>(
        (accountIds) => dataSource.query(RECENT_EVENTS_SQL, [accountIds, first]),
        (row) => row.account_id,
      ),
    ),
  };
}
