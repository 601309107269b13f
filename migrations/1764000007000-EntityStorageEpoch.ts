import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `harmony_entity_epoch()`: which storage `users` and `accounts` are in right now, and a lock that
 * keeps it so until the caller's transaction ends. Ingestion caches external id → id and
 * last-seen times per process; `TRUNCATE ... RESTART IDENTITY` (`npm run seed -- --force`) gives
 * both tables new storage (a new relfilenode) and hands their old ids to new rows, so a batch
 * compares this value with the one its cached ids were read under. ACCESS SHARE conflicts with
 * nothing but ACCESS EXCLUSIVE: ordinary writes go on, a TRUNCATE waits for the batch to commit.
 */
export class EntityStorageEpoch1764000007000 implements MigrationInterface {
  name = 'EntityStorageEpoch1764000007000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION harmony_entity_epoch() RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE users, accounts IN ACCESS SHARE MODE;
        RETURN pg_relation_filenode('users') || '/' || pg_relation_filenode('accounts');
      END $$;
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION harmony_entity_epoch()`);
  }
}
