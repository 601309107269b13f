import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Thresholds with hysteresis: versioned definitions, the current state of each account for
 * each threshold, and every crossing with the value that caused it. Crossings are written by
 * one evaluation at a time (an advisory lock held to commit), so their ids follow commit order.
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
      CREATE TABLE threshold_crossings (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        threshold text NOT NULL REFERENCES threshold_definitions (name),
        threshold_version integer NOT NULL,
        account_id bigint NOT NULL REFERENCES accounts (id),
        entered boolean NOT NULL,
        value double precision NOT NULL,
        previous_value double precision,
        cause text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX threshold_crossings_threshold_idx ON threshold_crossings (threshold, id);
      CREATE INDEX threshold_crossings_account_idx ON threshold_crossings (account_id, id);
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE threshold_crossings; DROP TABLE threshold_states;
      DROP TABLE threshold_definition_versions; DROP TABLE threshold_definitions;
    `);
  }
}
