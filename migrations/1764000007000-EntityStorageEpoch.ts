import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which storage `users` and `accounts` are in. Ingestion caches external id → id and last-seen
 * times per process; `TRUNCATE ... RESTART IDENTITY` (`npm run seed -- --force`) gives both tables
 * new storage (a new relfilenode) and hands their old ids to new rows, and a hard `DELETE` (the
 * API only soft-deletes; someone at a SQL prompt may not) leaves cached ids pointing nowhere.
 * - `harmony_entity_epoch()` says which storage they are in now, and how many DELETE statements
 *   ran on them (a sequence bumped by a trigger): read before ids are cached.
 * - `harmony_assert_entity_epoch(expected)` runs at the end of every batch's transaction and
 *   fails with SQLSTATE HR001 when the storage changed since, so the batch is rolled back and
 *   redone with fresh ids. Its ACCESS SHARE lock, held until the batch commits, conflicts with
 *   nothing but ACCESS EXCLUSIVE: ordinary writes go on, a TRUNCATE waits for the commit.
 */
export class EntityStorageEpoch1764000007000 implements MigrationInterface {
  name = 'EntityStorageEpoch1764000007000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE SEQUENCE harmony_entity_deletes;
      CREATE FUNCTION harmony_count_entity_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('harmony_entity_deletes');
        RETURN NULL;
      END $$;
      CREATE TRIGGER users_count_delete AFTER DELETE ON users
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_count_entity_delete();
      CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_count_entity_delete();

      CREATE FUNCTION harmony_entity_epoch() RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE users, accounts IN ACCESS SHARE MODE;
        RETURN pg_relation_filenode('users') || '/' || pg_relation_filenode('accounts') || '/'
          -- A fresh sequence's first nextval leaves last_value at 1: is_called tells them apart.
          || (SELECT last_value + is_called::int FROM harmony_entity_deletes);
      END $$;

      CREATE FUNCTION harmony_assert_entity_epoch(expected text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF harmony_entity_epoch() IS DISTINCT FROM expected THEN
          RAISE EXCEPTION 'users or accounts were truncated since their ids were cached'
            USING ERRCODE = 'HR001';
        END IF;
      END $$;
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION harmony_assert_entity_epoch(text);
      DROP FUNCTION harmony_entity_epoch();
      DROP TRIGGER accounts_count_delete ON accounts;
      DROP TRIGGER users_count_delete ON users;
      DROP FUNCTION harmony_count_entity_delete();
      DROP SEQUENCE harmony_entity_deletes;
    `);
  }
}
