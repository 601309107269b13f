import type { DataSource, EntityManager } from 'typeorm';
import {
  addEventCountsSql,
  addUserActivityDailySql,
  addUserActivityMonthlySql,
  eventCountRowsFrom,
  monthRowsFrom,
  userActivityRowsFrom,
} from '../db/rollup-sql';

/**
 * Bulk loading of events for demo data and benchmarks: rows are staged in a temporary table,
 * then moved into `events` with a few set-based statements, and the rollups are built from the
 * staged rows in the same transaction (with ingestion's statements, src/db/rollup-sql.ts), so
 * they stay equal to a recount from raw events.
 */
const STAGE = 'harmony_event_stage';

export type EventDefinitionSpec = {
  key: string;
  displayName?: string;
  description?: string;
  category?: string;
};

/** Creates the definitions that do not exist yet and returns key → id (keys resolve as aliases). */
export async function ensureEventDefinitions(
  manager: EntityManager,
  specs: EventDefinitionSpec[],
  actor: string,
): Promise<Map<string, string>> {
  await manager.query(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS i(key text, display_name text, description text, category text)
     ),
     created AS (
       INSERT INTO event_definitions (key, display_name, description, category, source)
       SELECT key, coalesce(display_name, key), description, category, 'demo' FROM input i
       WHERE NOT EXISTS (SELECT 1 FROM event_definition_aliases a WHERE a.alias = i.key)
       ORDER BY key
       ON CONFLICT (key) DO NOTHING
       RETURNING id, key, display_name, description, category
     ),
     aliases AS (
       INSERT INTO event_definition_aliases (alias, definition_id)
       SELECT key, id FROM created ON CONFLICT DO NOTHING
     )
     INSERT INTO event_definition_changes (definition_id, change, after, changed_by, reason)
     SELECT id, 'create',
            jsonb_build_object('key', key, 'displayName', display_name,
                               'description', description, 'category', category),
            $2, 'demo data'
     FROM created`,
    [
      JSON.stringify(
        specs.map((s) => ({
          key: s.key,
          display_name: s.displayName ?? null,
          description: s.description ?? null,
          category: s.category ?? null,
        })),
      ),
      actor,
    ],
  );
  const rows: Array<{ alias: string; definition_id: string }> = await manager.query(
    `SELECT alias, definition_id::text FROM event_definition_aliases WHERE alias = ANY($1)`,
    [specs.map((s) => s.key)],
  );
  return new Map(rows.map((row) => [row.alias, row.definition_id]));
}

/** Creates (or empties) the stage table for the current transaction. */
export async function createEventStage(manager: EntityManager): Promise<void> {
  await manager.query(
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGE} (
       definition_id bigint NOT NULL, type text NOT NULL, user_id bigint, anonymous_id text,
       account_id bigint, occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
       message_id text NOT NULL, properties jsonb NOT NULL, context jsonb NOT NULL
     ) ON COMMIT DROP`,
  );
  await manager.query(`TRUNCATE ${STAGE}`);
}

export type StagedEvent = {
  definitionId: string;
  userId: string | null;
  accountId: string | null;
  occurredAt: Date;
  messageId: string;
  properties: Record<string, unknown>;
};

/** Appends events to the stage, in statements of bounded size. */
export async function stageEvents(manager: EntityManager, events: StagedEvent[]): Promise<void> {
  const CHUNK = 20_000;
  for (let start = 0; start < events.length; start += CHUNK) {
    const chunk = events.slice(start, start + CHUNK);
    await manager.query(
      `INSERT INTO ${STAGE}
       SELECT d, 'track', u, NULL, a, o, o, m, p, '{"library":{"name":"harmony-demo"}}'
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[],
                   $6::jsonb[]) AS i(d, u, a, o, m, p)`,
      [
        chunk.map((e) => e.definitionId),
        chunk.map((e) => e.userId),
        chunk.map((e) => e.accountId),
        chunk.map((e) => e.occurredAt.toISOString()),
        chunk.map((e) => e.messageId),
        chunk.map((e) => JSON.stringify(e.properties)),
      ],
    );
  }
}

/**
 * Fills the stage with `count` synthetic track events (numbered from `first`) of random current
 * members, at random times in [from, to), generated inside PostgreSQL.
 */
export async function stageSyntheticEvents(
  manager: EntityManager,
  options: {
    first: number;
    count: number;
    from: Date;
    to: Date;
    definitionIds: string[];
    runId: string;
  },
): Promise<void> {
  await manager.query(
    `WITH pool AS (
       SELECT array_agg(user_id ORDER BY id) AS users, array_agg(account_id ORDER BY id) AS accounts,
              count(*)::int AS n
       FROM memberships WHERE deleted_at IS NULL AND left_at IS NULL
     ),
     drawn AS (
       SELECT g, 1 + floor(random() * pool.n)::int AS k,
              1 + floor(random() * cardinality($4::bigint[]))::int AS d,
              $3::timestamptz + random() * ($6::timestamptz - $3::timestamptz) AS at
       FROM generate_series($1::bigint, $2::bigint) AS g, pool
     )
     INSERT INTO ${STAGE}
     SELECT ($4::bigint[])[d], 'track', pool.users[k], NULL, pool.accounts[k], at, $6,
            $5 || g, jsonb_build_object('synthetic', true, 'variant', g % 7), '{}'
     FROM drawn, pool`,
    [
      options.first,
      options.first + options.count - 1,
      options.from.toISOString(),
      options.definitionIds,
      `synthetic-${options.runId}-`,
      options.to.toISOString(),
    ],
  );
}

/**
 * Moves the staged events into `events` (skipping messageIds stored before) and adds them to
 * the rollups and last-seen times. Returns how many events were stored.
 */
export async function loadStagedEvents(manager: EntityManager): Promise<number> {
  await manager.query(
    `SELECT harmony_ensure_event_partition(m) FROM (
       SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m
       FROM ${STAGE}) months ORDER BY m`,
  );
  await manager.query(
    `WITH claimed AS (
       INSERT INTO event_message_ids (message_id, received_at)
       SELECT message_id, received_at FROM ${STAGE} ORDER BY message_id
       ON CONFLICT (message_id) DO NOTHING
       RETURNING message_id
     )
     DELETE FROM ${STAGE} s WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.message_id = s.message_id)`,
  );
  const [{ stored }] = await manager.query(
    `WITH inserted AS (
       INSERT INTO events (definition_id, type, user_id, anonymous_id, account_id, occurred_at,
                           received_at, message_id, properties, context)
       SELECT definition_id, type, user_id, anonymous_id, account_id, occurred_at, received_at,
              message_id, properties, context
       FROM ${STAGE}
       RETURNING 1
     ) SELECT count(*)::int AS stored FROM inserted`,
  );
  await manager.query(addEventCountsSql(eventCountRowsFrom(STAGE)));
  await manager.query(addUserActivityDailySql(userActivityRowsFrom(STAGE)));
  await manager.query(addUserActivityMonthlySql(monthRowsFrom(STAGE)));
  for (const [table, column] of [
    ['users', 'user_id'],
    ['accounts', 'account_id'],
  ]) {
    await manager.query(
      `UPDATE ${table} t SET last_seen_at = s.at
       FROM (SELECT ${column} AS id, max(occurred_at) AS at FROM ${STAGE}
             WHERE ${column} IS NOT NULL GROUP BY 1) s
       WHERE t.id = s.id AND (t.last_seen_at IS NULL OR t.last_seen_at < s.at)`,
    );
  }
  await manager.query(`TRUNCATE ${STAGE}`);
  return stored;
}

/** Event names the synthetic load spreads its events over. */
export const SYNTHETIC_EVENT_KEYS = [
  'Signed In',
  'Report Viewed',
  'Report Created',
  'Dashboard Shared',
  'Export Run',
  'Filter Applied',
  'Search Performed',
  'Comment Added',
  'Integration Connected',
  'Invite Sent',
];

/**
 * `npm run seed -- --events N`: N synthetic events of existing members over the last 90 days,
 * generated inside PostgreSQL in chunks of `chunkSize`, one transaction per chunk (each leaves
 * events and rollups consistent). Chunk k covers the k-th slice of the 90 days: index inserts
 * then land near the end of each account's, definition's and user's range and the rollup
 * upserts touch a few days, which keeps 10 million events to a few minutes.
 * Calls `onProgress` with the events stored so far.
 */
export async function loadSyntheticEvents(
  dataSource: DataSource,
  options: {
    count: number;
    now?: Date;
    chunkSize?: number;
    onProgress?: (stored: number) => void;
  },
): Promise<{ stored: number }> {
  const chunkSize = options.chunkSize ?? 250_000;
  const now = options.now ?? new Date();
  const runId = now.getTime().toString(36);
  const [{ members }] = await dataSource.query(
    `SELECT count(*)::int AS members FROM memberships WHERE deleted_at IS NULL AND left_at IS NULL`,
  );
  if (members === 0)
    throw new Error(
      'no current memberships to attribute synthetic events to: load the demo data first',
    );
  const definitionIds = await dataSource.transaction(async (manager) => {
    const ids = await ensureEventDefinitions(
      manager,
      SYNTHETIC_EVENT_KEYS.map((key) => ({ key })),
      'seed',
    );
    return SYNTHETIC_EVENT_KEYS.map((key) => ids.get(key)!);
  });
  let stored = 0;
  const chunks = Math.ceil(options.count / chunkSize);
  const span = 90 * 86_400_000;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const first = chunk * chunkSize + 1;
    const count = Math.min(chunkSize, options.count - first + 1);
    const from = new Date(now.getTime() - span + (chunk * span) / chunks);
    const to = new Date(now.getTime() - span + ((chunk + 1) * span) / chunks);
    stored += await dataSource.transaction(async (manager) => {
      await createEventStage(manager);
      await stageSyntheticEvents(manager, { first, count, from, to, definitionIds, runId });
      return loadStagedEvents(manager);
    });
    options.onProgress?.(stored);
  }
  return { stored };
}
