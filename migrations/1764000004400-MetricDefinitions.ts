import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Declared metrics and every version they ever had. `metric_definitions` holds the current
 * version of each metric; `metric_definition_versions` keeps each change with who, when and why.
 * `yaml_hash` is the hash of the YAML entry last synced, so a start-up sync only records a new
 * version when the file changed, never undoing a change made through the API.
 */
export class MetricDefinitions1764000004400 implements MigrationInterface {
  name = 'MetricDefinitions1764000004400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE metric_definitions (
        name text PRIMARY KEY,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        definition_hash text NOT NULL,
        yaml_hash text,
        source_file text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE TABLE metric_definition_versions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL REFERENCES metric_definitions (name),
        version integer NOT NULL,
        definition jsonb NOT NULL,
        changed_by text NOT NULL,
        reason text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (name, version)
      );
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TABLE metric_definition_versions; DROP TABLE metric_definitions;`,
    );
  }
}
