import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrateJobQueue } from '../src/push/job-queue-schema';

/**
 * Destinations, the push outbox and the delivery ledger (docs/pushes.md). The job queue itself
 * is graphile-worker's schema, installed here so every database that has these tables can
 * enqueue in the same transaction as a change (the worker keeps it current when it starts).
 */
export class Pushes1764000009400 implements MigrationInterface {
  name = 'Pushes1764000009400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE push_destinations (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('WEBHOOK', 'SLACK', 'HUBSPOT', 'SALESFORCE')),
        url text NOT NULL,
        tier text NOT NULL CHECK (tier IN ('REALTIME', 'NEAR_REALTIME', 'HOURLY', 'DAILY')),
        subscriptions jsonb NOT NULL DEFAULT '[]',
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        rate_limit_requests integer CHECK (rate_limit_requests > 0),
        rate_limit_seconds integer CHECK (rate_limit_seconds > 0),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        failing_since timestamptz,
        next_slot_at timestamptz NOT NULL DEFAULT '-infinity',
        last_batch_at timestamptz DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE deliveries (
        id bigserial PRIMARY KEY,
        destination_id bigint NOT NULL REFERENCES push_destinations (id) ON DELETE CASCADE,
        webhook_id text NOT NULL UNIQUE,
        idempotency_key text NOT NULL,
        type text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING'
          CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
        body text NOT NULL,
        change_count integer NOT NULL,
        attempts jsonb NOT NULL DEFAULT '[]',
        attempt_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        caused_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        latency_ms integer,
        last_error text
      );
      CREATE INDEX deliveries_pending ON deliveries (destination_id, id) WHERE status = 'PENDING';
      CREATE INDEX deliveries_by_destination ON deliveries (destination_id, status, id);
      CREATE INDEX deliveries_undelivered_age ON deliveries (caused_at) WHERE status = 'PENDING';
      CREATE TABLE push_changes (
        id bigserial PRIMARY KEY,
        destination_id bigint NOT NULL REFERENCES push_destinations (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('EVENT', 'SEGMENT', 'THRESHOLD', 'ACCOUNT_VIEW')),
        type text NOT NULL,
        idempotency_key text NOT NULL,
        account_id bigint,
        collapse_key text,
        old_value jsonb,
        new_value jsonb,
        data jsonb NOT NULL,
        caused_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivery_id bigint REFERENCES deliveries (id) ON DELETE SET NULL
      );
      CREATE INDEX push_changes_unassigned ON push_changes (destination_id, id)
        WHERE delivery_id IS NULL;
      CREATE INDEX push_changes_delivery ON push_changes (delivery_id);
      CREATE TABLE push_worker_processes (
        worker_id text PRIMARY KEY,
        backend_pid integer NOT NULL,
        backend_start timestamptz NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    await migrateJobQueue(connectionStringOf(queryRunner));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE push_worker_processes;
      DROP TABLE push_changes;
      DROP TABLE deliveries;
      DROP TABLE push_destinations;
      DROP SCHEMA IF EXISTS graphile_worker CASCADE;
    `);
  }
}

function connectionStringOf(queryRunner: QueryRunner): string {
  const options = queryRunner.connection.options as { url?: string };
  if (!options.url) throw new Error('the push migration needs a data source configured by url');
  return options.url;
}
