import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The business plan beside the actuals: plan targets per metric and period (a month or a
 * quarter, optionally for one plan code or segment), and monthly financial actuals (operating
 * expenses, cash balance) that Harmony has no other source for. Every change of a value is a
 * version row with who, when, why and the value before.
 */
export class PlanEntries1764000009300 implements MigrationInterface {
  name = 'PlanEntries1764000009300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE plan_entries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('target', 'actual')),
        metric text NOT NULL,
        period_start date NOT NULL CHECK (extract(day FROM period_start) = 1),
        period_months smallint NOT NULL CHECK (period_months IN (1, 3)),
        dimension text NOT NULL DEFAULT '',
        value numeric NOT NULL,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_by text NOT NULL,
        reason text NOT NULL,
        source text NOT NULL DEFAULT 'api',
        UNIQUE (kind, metric, period_start, period_months, dimension)
      );
      CREATE TABLE plan_entry_versions (
        entry_id bigint NOT NULL REFERENCES plan_entries (id),
        version integer NOT NULL,
        value numeric NOT NULL,
        previous_value numeric,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        changed_by text NOT NULL,
        reason text NOT NULL,
        source text NOT NULL,
        PRIMARY KEY (entry_id, version)
      );
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE plan_entry_versions; DROP TABLE plan_entries;`);
  }
}
