import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Compact rollups for distinct active users over months, kept by triggers on
 * user_activity_monthly, so whoever writes that rollup (ingestion, bulk rebuilds) keeps these
 * exact too:
 * - `user_active_months`: one row per (calendar year, account, user); bit m-1 of `months` says
 *   the user had an event in that account in UTC month m.
 * - `user_month_bits`: one row per (era, user), an era being five calendar years from 2000
 *   (era 5 = 2025-2029); bit (year - era start) * 12 + month - 1 of `months` = the same bits
 *   OR-ed over all the user's accounts. Distinct users per month over any months inside one
 *   era read one row per user, with no grouping.
 */
export class UserActiveMonths1764000004410 implements MigrationInterface {
  name = 'UserActiveMonths1764000004410';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE user_active_months (
        year integer NOT NULL,
        account_id bigint NOT NULL,
        user_id bigint NOT NULL,
        months integer NOT NULL,
        PRIMARY KEY (year, account_id, user_id)
      );
      CREATE INDEX user_active_months_user_idx ON user_active_months (user_id, year);
      CREATE INDEX user_active_months_account_idx ON user_active_months (account_id, year);

      -- Metrics leave out test and deleted rows by default; these find the few such rows
      -- without scanning the tables (the predicates match the metric compiler's text).
      CREATE INDEX users_excluded_from_metrics_idx ON users (id) WHERE is_test OR deleted_at IS NOT NULL;
      CREATE INDEX accounts_excluded_from_metrics_idx ON accounts (id) WHERE is_test OR deleted_at IS NOT NULL;

      CREATE TABLE user_month_bits (
        era integer NOT NULL,
        user_id bigint NOT NULL,
        months bigint NOT NULL,
        PRIMARY KEY (era, user_id)
      );

      -- The era of a year and the bit of a month inside its era.
      CREATE FUNCTION harmony_month_era(month date) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
        SELECT floor((extract(year FROM month) - 2000) / 5)::int
      $$;
      CREATE FUNCTION harmony_month_era_bit(month date) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
        SELECT 1::bigint << ((extract(year FROM month)::int - 2000 - 5 * harmony_month_era(month)) * 12
          + extract(month FROM month)::int - 1)
      $$;

      -- One set-based upsert per statement that adds monthly rows (keys in order, so two
      -- concurrent writers lock them in the same order).
      CREATE FUNCTION harmony_mark_active_months() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO user_active_months (year, account_id, user_id, months)
        SELECT extract(year FROM month)::int, account_id, user_id,
          bit_or(1 << (extract(month FROM month)::int - 1))
        FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (year, account_id, user_id)
        DO UPDATE SET months = user_active_months.months | EXCLUDED.months
        WHERE user_active_months.months | EXCLUDED.months <> user_active_months.months;
        INSERT INTO user_month_bits (era, user_id, months)
        SELECT harmony_month_era(month), user_id, bit_or(harmony_month_era_bit(month))
        FROM inserted GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (era, user_id)
        DO UPDATE SET months = user_month_bits.months | EXCLUDED.months
        WHERE user_month_bits.months | EXCLUDED.months <> user_month_bits.months;
        RETURN NULL;
      END $$;

      -- A removed (month, account, user) recomputes that user's bits from what is left.
      CREATE FUNCTION harmony_unmark_active_month() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        y integer := extract(year FROM OLD.month)::int;
      BEGIN
        UPDATE user_active_months SET months = (
          SELECT coalesce(bit_or(1 << (extract(month FROM month)::int - 1)), 0)
          FROM user_activity_monthly
          WHERE account_id = OLD.account_id AND user_id = OLD.user_id
            AND extract(year FROM month)::int = y)
        WHERE year = y AND account_id = OLD.account_id AND user_id = OLD.user_id;
        DELETE FROM user_active_months
        WHERE year = y AND account_id = OLD.account_id AND user_id = OLD.user_id AND months = 0;
        UPDATE user_month_bits SET months = months & ~harmony_month_era_bit(OLD.month)
        WHERE era = harmony_month_era(OLD.month) AND user_id = OLD.user_id
          AND NOT EXISTS (SELECT 1 FROM user_active_months
                          WHERE year = y AND user_id = OLD.user_id
                            AND months & (1 << (extract(month FROM OLD.month)::int - 1)) <> 0);
        RETURN NULL;
      END $$;

      CREATE FUNCTION harmony_clear_active_months() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE user_active_months, user_month_bits;
        RETURN NULL;
      END $$;

      -- Rebuilds both from user_activity_monthly, set-based (after bulk loads).
      CREATE FUNCTION harmony_rebuild_active_months() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE user_active_months, user_month_bits;
        INSERT INTO user_active_months (year, account_id, user_id, months)
        SELECT extract(year FROM month)::int, account_id, user_id,
          bit_or(1 << (extract(month FROM month)::int - 1))
        FROM user_activity_monthly GROUP BY 1, 2, 3;
        INSERT INTO user_month_bits (era, user_id, months)
        SELECT harmony_month_era(month), user_id, bit_or(harmony_month_era_bit(month))
        FROM user_activity_monthly GROUP BY 1, 2;
      END $$;

      CREATE TRIGGER user_activity_monthly_mark AFTER INSERT ON user_activity_monthly
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_mark_active_months();
      CREATE TRIGGER user_activity_monthly_unmark AFTER DELETE ON user_activity_monthly
        FOR EACH ROW EXECUTE FUNCTION harmony_unmark_active_month();
      CREATE TRIGGER user_activity_monthly_clear AFTER TRUNCATE ON user_activity_monthly
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_clear_active_months();

      SELECT harmony_rebuild_active_months();
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER user_activity_monthly_clear ON user_activity_monthly;
      DROP TRIGGER user_activity_monthly_unmark ON user_activity_monthly;
      DROP TRIGGER user_activity_monthly_mark ON user_activity_monthly;
      DROP FUNCTION harmony_rebuild_active_months();
      DROP FUNCTION harmony_clear_active_months();
      DROP FUNCTION harmony_unmark_active_month();
      DROP FUNCTION harmony_mark_active_months();
      DROP FUNCTION harmony_month_era_bit(date);
      DROP FUNCTION harmony_month_era(date);
      DROP INDEX accounts_excluded_from_metrics_idx;
      DROP INDEX users_excluded_from_metrics_idx;
      DROP TABLE user_month_bits;
      DROP TABLE user_active_months;
    `);
  }
}
