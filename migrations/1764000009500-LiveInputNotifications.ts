import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables each family of metric inputs is read from (docs/subscriptions.md). */
const FAMILIES: Record<string, string[]> = {
  billing: ['subscriptions', 'subscription_history', 'plans'],
  entities: ['memberships', 'teams', 'team_members'],
  events: ['event_counts_daily', 'user_activity_daily'],
  definitions: ['metric_definitions', 'event_definitions'],
};

/**
 * Every committed write to a metric's inputs notifies `harmony_live` with the family it belongs
 * to (billing, entities, events, definitions), whoever made it (the API, ingestion, a seed, an
 * operator at a SQL prompt). Server processes LISTEN and recompute the `metricChanged`
 * subscriptions that read that family. Statement-level triggers cost one notification per
 * statement, and PostgreSQL folds identical notifications of one transaction into one, so a
 * batch of events costs one. On `users` and `accounts` only a change that moves `updated_at`
 * counts: `last_seen_at` follows every event and is not an edit (migration 1764000004520).
 */
export class LiveInputNotifications1764000009500 implements MigrationInterface {
  name = 'LiveInputNotifications1764000009500';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION harmony_notify_live_input() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('harmony_live', TG_ARGV[0]);
        RETURN NULL;
      END $$;
    `);
    for (const [family, tables] of Object.entries(FAMILIES)) {
      for (const table of tables) {
        await queryRunner.query(`
          CREATE TRIGGER ${table}_notify_live AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION harmony_notify_live_input('${family}');
        `);
      }
    }
    for (const table of ['users', 'accounts']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_notify_live AFTER INSERT OR DELETE OR TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION harmony_notify_live_input('entities');
        CREATE TRIGGER ${table}_notify_live_edit AFTER UPDATE ON ${table} FOR EACH ROW
          WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
          EXECUTE FUNCTION harmony_notify_live_input('entities');
      `);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['users', 'accounts']) {
      await queryRunner.query(`
        DROP TRIGGER ${table}_notify_live_edit ON ${table};
        DROP TRIGGER ${table}_notify_live ON ${table};
      `);
    }
    for (const tables of Object.values(FAMILIES)) {
      for (const table of tables)
        await queryRunner.query(`DROP TRIGGER ${table}_notify_live ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION harmony_notify_live_input()`);
  }
}
