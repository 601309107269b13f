import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account views, segments and the durable queue of touched accounts (docs/signals.md).
 *
 * Statement-level triggers (one insert per statement, whatever its row count) append the
 * accounts a write touched to `account_view_touches`, whoever wrote (API, ingestion, seed, a
 * SQL prompt). The signals pump drains the queue after commit, recomputes only those accounts'
 * views and segment memberships in sets, and records what changed on the change feed. API
 * writes notify `harmony_signals` at commit; event rollups do not (a NOTIFY serialises
 * committing transactions cluster-wide, which the hot ingestion path must not pay): the pump
 * polls for them.
 */
export class AccountViews1764000009210 implements MigrationInterface {
  name = 'AccountViews1764000009210';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE account_view_touches (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id bigint NOT NULL,
        cause text NOT NULL,
        touched_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );

      CREATE TABLE account_views (
        account_id bigint PRIMARY KEY REFERENCES accounts (id),
        plan_code text,
        mrr_minor bigint,
        currency char(3),
        seats integer NOT NULL DEFAULT 0,
        active_users_30d integer NOT NULL DEFAULT 0,
        last_seen_at timestamptz,
        health_score numeric,
        pql_score numeric,
        segments text[] NOT NULL DEFAULT '{}',
        lifetime_revenue_minor bigint,
        is_test boolean NOT NULL DEFAULT false,
        is_deleted boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        change_seq bigint
      );
      CREATE INDEX account_views_change_seq_idx ON account_views (change_seq);
      CREATE INDEX account_views_updated_at_idx ON account_views (updated_at, change_seq);

      CREATE TABLE segment_definitions (
        name text PRIMARY KEY,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        definition_hash text NOT NULL,
        yaml_hash text,
        source_file text,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE TABLE segment_definition_versions (
        name text NOT NULL,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        changed_by text NOT NULL,
        reason text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (name, version)
      );
      CREATE TABLE segment_members (
        segment text NOT NULL,
        account_id bigint NOT NULL REFERENCES accounts (id),
        entered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (segment, account_id)
      );
      CREATE INDEX segment_members_account_idx ON segment_members (account_id);

      -- When each scheduled job last ran (the daily slide), so several servers run it once.
      CREATE TABLE signals_schedule (
        job text PRIMARY KEY,
        last_run_on date NOT NULL,
        last_run_at timestamptz NOT NULL
      );

      CREATE FUNCTION harmony_touch_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        cause text := TG_ARGV[0];
      BEGIN
        IF TG_TABLE_NAME = 'event_counts_daily' THEN
          INSERT INTO account_view_touches (account_id, cause)
            SELECT DISTINCT account_id, cause FROM new_rows WHERE account_id <> 0;
          RETURN NULL;
        ELSIF TG_TABLE_NAME = 'accounts' THEN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO account_view_touches (account_id, cause) SELECT id, cause FROM new_rows;
          ELSE
            -- last_seen_at alone moves with every event batch: the event rollups touch those.
            INSERT INTO account_view_touches (account_id, cause)
              SELECT n.id, cause FROM new_rows n JOIN old_rows o USING (id)
              WHERE (n.name, n.domain, n.industry, n.employee_count, n.traits, n.is_test,
                     n.deleted_at, n.created_at)
                IS DISTINCT FROM (o.name, o.domain, o.industry, o.employee_count, o.traits,
                     o.is_test, o.deleted_at, o.created_at);
          END IF;
        ELSIF TG_TABLE_NAME = 'users' THEN
          INSERT INTO account_view_touches (account_id, cause)
            SELECT DISTINCT m.account_id, cause FROM new_rows n JOIN old_rows o USING (id)
            JOIN memberships m ON m.user_id = n.id
            WHERE (n.is_test, n.deleted_at) IS DISTINCT FROM (o.is_test, o.deleted_at);
        ELSIF TG_TABLE_NAME = 'plans' THEN
          INSERT INTO account_view_touches (account_id, cause)
            SELECT DISTINCT s.account_id, cause FROM new_rows n JOIN old_rows o USING (id)
            JOIN subscriptions s ON s.plan_id = n.id
            WHERE (n.code, n.is_paid, n.interval) IS DISTINCT FROM (o.code, o.is_paid, o.interval);
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO account_view_touches (account_id, cause)
            SELECT DISTINCT account_id, cause FROM old_rows;
        ELSE
          -- memberships, subscriptions, subscription_history
          INSERT INTO account_view_touches (account_id, cause)
            SELECT DISTINCT account_id, cause FROM new_rows;
        END IF;
        PERFORM pg_notify('harmony_signals', '');
        RETURN NULL;
      END $$;

      CREATE TRIGGER accounts_touch_insert AFTER INSERT ON accounts
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER accounts_touch_update AFTER UPDATE ON accounts
        REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER users_touch_update AFTER UPDATE ON users
        REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER plans_touch_update AFTER UPDATE ON plans
        REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER memberships_touch_insert AFTER INSERT ON memberships
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER memberships_touch_update AFTER UPDATE ON memberships
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER memberships_touch_delete AFTER DELETE ON memberships
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER subscriptions_touch_insert AFTER INSERT ON subscriptions
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER subscriptions_touch_update AFTER UPDATE ON subscriptions
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER subscription_history_touch_insert AFTER INSERT ON subscription_history
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER subscription_history_touch_update AFTER UPDATE ON subscription_history
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER subscription_history_touch_delete AFTER DELETE ON subscription_history
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('UPSERT');
      CREATE TRIGGER event_counts_touch_insert AFTER INSERT ON event_counts_daily
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('EVENTS');
      CREATE TRIGGER event_counts_touch_update AFTER UPDATE ON event_counts_daily
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_touch_accounts('EVENTS');

      -- Accounts that exist already get their view at the first pump run.
      INSERT INTO account_view_touches (account_id, cause) SELECT id, 'CREATED' FROM accounts;
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER event_counts_touch_update ON event_counts_daily;
      DROP TRIGGER event_counts_touch_insert ON event_counts_daily;
      DROP TRIGGER subscription_history_touch_delete ON subscription_history;
      DROP TRIGGER subscription_history_touch_update ON subscription_history;
      DROP TRIGGER subscription_history_touch_insert ON subscription_history;
      DROP TRIGGER subscriptions_touch_update ON subscriptions;
      DROP TRIGGER subscriptions_touch_insert ON subscriptions;
      DROP TRIGGER memberships_touch_delete ON memberships;
      DROP TRIGGER memberships_touch_update ON memberships;
      DROP TRIGGER memberships_touch_insert ON memberships;
      DROP TRIGGER plans_touch_update ON plans;
      DROP TRIGGER users_touch_update ON users;
      DROP TRIGGER accounts_touch_update ON accounts;
      DROP TRIGGER accounts_touch_insert ON accounts;
      DROP FUNCTION harmony_touch_accounts();
      DROP TABLE signals_schedule;
      DROP TABLE segment_members;
      DROP TABLE segment_definition_versions;
      DROP TABLE segment_definitions;
      DROP TABLE account_views;
      DROP TABLE account_view_touches;
    `);
  }
}
