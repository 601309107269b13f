import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a key that alters a verdict (created, revoked or restored, scopes or name
 * changed, deleted) notifies `harmony_api_keys` with the key's hash, at commit, whoever made it
 * (the API, `npm run keys`, an operator at a SQL prompt). Each server process LISTENs and evicts
 * its cached verdict, so a revocation takes effect at once everywhere. `last_used_at` changes
 * notify nothing. A TRUNCATE notifies an empty payload: forget every verdict.
 */
export class ApiKeyChangeNotifications1764000008300 implements MigrationInterface {
  name = 'ApiKeyChangeNotifications1764000008300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION harmony_notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM pg_notify('harmony_api_keys', '');
          RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          PERFORM pg_notify('harmony_api_keys', OLD.key_hash);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          PERFORM pg_notify('harmony_api_keys', NEW.key_hash);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER api_keys_notify_insert_delete AFTER INSERT OR DELETE ON api_keys
        FOR EACH ROW EXECUTE FUNCTION harmony_notify_api_key_change();
      CREATE TRIGGER api_keys_notify_update AFTER UPDATE ON api_keys
        FOR EACH ROW
        WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
           OR OLD.scopes IS DISTINCT FROM NEW.scopes
           OR OLD.name IS DISTINCT FROM NEW.name
           OR OLD.key_hash IS DISTINCT FROM NEW.key_hash)
        EXECUTE FUNCTION harmony_notify_api_key_change();
      CREATE TRIGGER api_keys_notify_truncate AFTER TRUNCATE ON api_keys
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_notify_api_key_change();
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER api_keys_notify_truncate ON api_keys;
      DROP TRIGGER api_keys_notify_update ON api_keys;
      DROP TRIGGER api_keys_notify_insert_delete ON api_keys;
      DROP FUNCTION harmony_notify_api_key_change();
    `);
  }
}
