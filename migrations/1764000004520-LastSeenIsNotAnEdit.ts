import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `last_seen_at` of users and accounts follows their events: it is activity, not an edit of the
 * entity, so it no longer moves `updated_at`. Besides meaning what it says, this keeps the
 * ingestion's last-seen updates off the `updated_at` indexes, so PostgreSQL can make them HOT
 * updates (no index entries written). Any other change still moves `updated_at`.
 */
export class LastSeenIsNotAnEdit1764000004520 implements MigrationInterface {
  name = 'LastSeenIsNotAnEdit1764000004520';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION harmony_touch_updated_at_except_last_seen() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        edited record;
      BEGIN
        IF NEW IS NOT DISTINCT FROM OLD THEN
          RETURN NEW;
        END IF;
        -- The new row with the old last_seen_at: what changed besides activity.
        edited := NEW;
        edited.last_seen_at := OLD.last_seen_at;
        IF edited IS DISTINCT FROM OLD THEN
          NEW.updated_at := clock_timestamp();
        ELSE
          NEW.updated_at := OLD.updated_at;
        END IF;
        RETURN NEW;
      END $$;
    `);
    for (const table of ['users', 'accounts']) {
      await queryRunner.query(`
        DROP TRIGGER ${table}_touch_updated_at ON ${table};
        CREATE TRIGGER ${table}_touch_updated_at BEFORE UPDATE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION harmony_touch_updated_at_except_last_seen();
      `);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['users', 'accounts']) {
      await queryRunner.query(`
        DROP TRIGGER ${table}_touch_updated_at ON ${table};
        CREATE TRIGGER ${table}_touch_updated_at BEFORE UPDATE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION harmony_touch_updated_at();
      `);
    }
    await queryRunner.query(`DROP FUNCTION harmony_touch_updated_at_except_last_seen();`);
  }
}
