import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leaves free space in the pages of the rows ingestion updates all the time: rollup counts
 * (one more event on a day that already had some) and users' and accounts' `last_seen_at`.
 * PostgreSQL can then write the new row version on the same page without touching any index
 * (a HOT update). On full pages every such update also inserted an entry into each of the
 * table's indexes (three for `user_activity_daily`, five for `users`), and left dead entries
 * behind. Measured on the rollups with the bench's key mix: about 25% less time per upsert.
 *
 * Applies to pages written from now on; `VACUUM FULL` repacks older ones, if ever wanted.
 */
export class RoomForHotUpdates1764000006000 implements MigrationInterface {
  name = 'RoomForHotUpdates1764000006000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE event_counts_daily SET (fillfactor = 50);
      ALTER TABLE user_activity_daily SET (fillfactor = 50);
      ALTER TABLE users SET (fillfactor = 80);
      ALTER TABLE accounts SET (fillfactor = 80);
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE event_counts_daily RESET (fillfactor);
      ALTER TABLE user_activity_daily RESET (fillfactor);
      ALTER TABLE users RESET (fillfactor);
      ALTER TABLE accounts RESET (fillfactor);
    `);
  }
}
