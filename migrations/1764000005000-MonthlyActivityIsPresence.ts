import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `user_activity_monthly` records who was active in which account and UTC month: no metric reads
 * its event count (per-user counts come from the daily rollup), and keeping one meant an update
 * of a hot row for every event. As a presence table, ingestion writes a key once per month and
 * otherwise only checks it is there (`ON CONFLICT DO NOTHING` writes nothing).
 */
export class MonthlyActivityIsPresence1764000005000 implements MigrationInterface {
  name = 'MonthlyActivityIsPresence1764000005000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE user_activity_monthly DROP COLUMN event_count`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE user_activity_monthly ADD COLUMN event_count bigint;
      UPDATE user_activity_monthly m SET event_count = d.event_count
      FROM (SELECT date_trunc('month', day)::date AS month, account_id, user_id,
                   sum(event_count) AS event_count
            FROM user_activity_daily GROUP BY 1, 2, 3) d
      WHERE d.month = m.month AND d.account_id = m.account_id AND d.user_id = m.user_id;
      UPDATE user_activity_monthly SET event_count = 0 WHERE event_count IS NULL;
      ALTER TABLE user_activity_monthly ALTER COLUMN event_count SET NOT NULL;
    `);
  }
}
