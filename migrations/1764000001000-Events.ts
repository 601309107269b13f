import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Product events and what the metrics engine reads instead of them: event definitions with
 * stable ids and aliases, the events table partitioned by month, and the daily rollups kept
 * exact by the ingestion writer in the same transaction as the events.
 */
export class Events1764000001000 implements MigrationInterface {
  name = 'Events1764000001000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE event_definitions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key text NOT NULL UNIQUE,
        display_name text NOT NULL,
        description text,
        category text,
        source text NOT NULL DEFAULT 'ingest',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE TRIGGER event_definitions_touch_updated_at BEFORE UPDATE ON event_definitions
        FOR EACH ROW EXECUTE FUNCTION harmony_touch_updated_at();

      -- Every key a definition has ever had, its current one included: events sent under an
      -- old name keep landing on the same definition after a rename.
      CREATE TABLE event_definition_aliases (
        alias text PRIMARY KEY,
        definition_id bigint NOT NULL REFERENCES event_definitions (id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX event_definition_aliases_definition_idx ON event_definition_aliases (definition_id);

      CREATE TABLE event_definition_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        definition_id bigint NOT NULL REFERENCES event_definitions (id),
        change text NOT NULL,
        before jsonb,
        after jsonb NOT NULL,
        changed_by text NOT NULL,
        reason text,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX event_definition_changes_definition_idx
        ON event_definition_changes (definition_id, changed_at);

      -- Anonymous ids seen in events, and the user an identify or alias linked them to.
      CREATE TABLE anonymous_ids (
        anonymous_id text PRIMARY KEY,
        user_id bigint REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX anonymous_ids_user_idx ON anonymous_ids (user_id);

      -- messageId is unique across all time, but a unique index on a partitioned table must
      -- contain the partition key; this table carries the guarantee instead.
      CREATE TABLE event_message_ids (
        message_id text PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );

      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY,
        definition_id bigint NOT NULL,
        type text NOT NULL,
        user_id bigint,
        anonymous_id text,
        account_id bigint,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        message_id text NOT NULL,
        properties jsonb NOT NULL DEFAULT '{}',
        context jsonb NOT NULL DEFAULT '{}'
      ) PARTITION BY RANGE (occurred_at);
      CREATE INDEX events_account_time_idx ON events (account_id, occurred_at);
      CREATE INDEX events_definition_time_idx ON events (definition_id, occurred_at);
      CREATE INDEX events_user_time_idx ON events (user_id, occurred_at);
      CREATE INDEX events_anonymous_idx ON events (anonymous_id) WHERE user_id IS NULL;
      -- Catches events outside every monthly partition so no write is ever refused.
      CREATE TABLE events_default PARTITION OF events DEFAULT;

      -- Creates the monthly partition holding the given instant, if missing.
      CREATE FUNCTION harmony_ensure_event_partition(instant timestamptz) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        month_start timestamptz := date_trunc('month', instant AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
        partition_name text := 'events_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
      BEGIN
        IF to_regclass(partition_name) IS NOT NULL THEN
          RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext(partition_name));
        IF to_regclass(partition_name) IS NOT NULL THEN
          RETURN;
        END IF;
        -- Rows that landed in the default partition for this month move into the new one.
        CREATE TEMP TABLE IF NOT EXISTS harmony_moved_events (LIKE events) ON COMMIT DROP;
        DELETE FROM harmony_moved_events;
        WITH moved AS (
          DELETE FROM events_default
          WHERE occurred_at >= month_start AND occurred_at < month_start + interval '1 month'
          RETURNING *
        )
        INSERT INTO harmony_moved_events SELECT * FROM moved;
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
          partition_name, month_start, month_start + interval '1 month');
        INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM harmony_moved_events;
      END $$;

      SELECT harmony_ensure_event_partition(m)
      FROM generate_series(
        date_trunc('month', now()) - interval '24 months',
        date_trunc('month', now()) + interval '3 months',
        interval '1 month') AS m;

      -- account_id 0 stands for "no account", so the key can stay a primary key.
      CREATE TABLE event_counts_daily (
        day date NOT NULL,
        account_id bigint NOT NULL,
        definition_id bigint NOT NULL,
        event_count bigint NOT NULL,
        PRIMARY KEY (definition_id, day, account_id)
      );
      CREATE INDEX event_counts_daily_account_idx ON event_counts_daily (account_id, day);

      CREATE TABLE user_activity_daily (
        day date NOT NULL,
        account_id bigint NOT NULL,
        user_id bigint NOT NULL,
        event_count bigint NOT NULL,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (day, account_id, user_id)
      );
      CREATE INDEX user_activity_daily_account_idx ON user_activity_daily (account_id, day);
      CREATE INDEX user_activity_daily_user_idx ON user_activity_daily (user_id, day);

      -- The same per UTC month: distinct active users over months without scanning the days.
      CREATE TABLE user_activity_monthly (
        month date NOT NULL,
        account_id bigint NOT NULL,
        user_id bigint NOT NULL,
        event_count bigint NOT NULL,
        PRIMARY KEY (month, account_id, user_id)
      );
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE user_activity_monthly;
      DROP TABLE user_activity_daily;
      DROP TABLE event_counts_daily;
      DROP FUNCTION harmony_ensure_event_partition(timestamptz);
      DROP TABLE events;
      DROP TABLE event_message_ids;
      DROP TABLE anonymous_ids;
      DROP TABLE event_definition_changes;
      DROP TABLE event_definition_aliases;
      DROP TABLE event_definitions;
    `);
  }
}
