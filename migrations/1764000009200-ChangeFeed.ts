import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change feed (src/signals/change-feed.ts): rows are recorded with `seq` NULL by any
 * transaction and numbered later, after they commit, by one serialised sequencer step. A row's
 * `seq` is therefore dense and in commit-safe order; readers only ever see numbered rows.
 * Recording a row notifies `harmony_signals` at commit so the sequencer runs within ms.
 */
export class ChangeFeed1764000009200 implements MigrationInterface {
  name = 'ChangeFeed1764000009200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE change_feed (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        seq bigint UNIQUE,
        topic text NOT NULL,
        account_id bigint,
        subject text,
        cause text NOT NULL,
        changes jsonb NOT NULL DEFAULT '{}',
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sequenced_at timestamptz
      );
      CREATE INDEX change_feed_pending_idx ON change_feed (id) WHERE seq IS NULL;
      CREATE INDEX change_feed_topic_idx ON change_feed (topic, subject, seq) WHERE seq IS NOT NULL;
      CREATE INDEX change_feed_account_idx ON change_feed (account_id, seq) WHERE seq IS NOT NULL;

      CREATE FUNCTION harmony_signals_wake() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Identical notifications of one transaction are folded into one, delivered at commit.
        PERFORM pg_notify('harmony_signals', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER change_feed_wake AFTER INSERT ON change_feed
        FOR EACH STATEMENT EXECUTE FUNCTION harmony_signals_wake();
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE change_feed;
      DROP FUNCTION harmony_signals_wake();
    `);
  }
}
