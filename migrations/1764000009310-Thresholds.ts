import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Thresholds with hysteresis: versioned definitions and the current state of each account for
 * each threshold. Crossings are recorded on the change feed (topic `threshold`), not here.
 */
export class Thresholds1764000009310 implements MigrationInterface {
  name = 'Thresholds1764000009310';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE threshold_definitions (
        name text PRIMARY KEY,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        definition_hash text NOT NULL,
        yaml_hash text,
        source_file text,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE TABLE threshold_definition_versions (
        name text NOT NULL REFERENCES threshold_definitions (name),
        version integer NOT NULL,
        definition jsonb NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        changed_by text NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE threshold_states (
        threshold text NOT NULL REFERENCES threshold_definitions (name),
        account_id bigint NOT NULL REFERENCES accounts (id),
        active boolean NOT NULL,
        value double precision NOT NULL,
        since timestamptz NOT NULL,
        evaluated_at timestamptz NOT NULL,
        PRIMARY KEY (threshold, account_id)
      );
      CREATE INDEX threshold_states_account_idx ON threshold_states (account_id);
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE threshold_states;
      DROP TABLE threshold_definition_versions; DROP TABLE threshold_definitions;
    `);
  }
}
