import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The domain model: accounts, users, memberships, teams, plans, subscriptions and their history,
 * API keys. Every time is `timestamptz`; `created_at`/`updated_at` are kept by the database so
 * raw SQL writers (ingestion, imports) cannot forget them.
 */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION harmony_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Only a real change moves updated_at, so idempotent upserts leave it alone.
        IF NEW IS DISTINCT FROM OLD THEN
          NEW.updated_at := clock_timestamp();
        ELSE
          NEW.updated_at := OLD.updated_at;
        END IF;
        RETURN NEW;
      END $$;

      CREATE TABLE membership_roles (
        code text PRIMARY KEY,
        description text NOT NULL
      );
      INSERT INTO membership_roles (code, description) VALUES
        ('ADMINISTRATOR', 'Manages the account: billing owners, workspace admins.'),
        ('MEMBER', 'A regular user of the product inside the account.'),
        ('BILLING', 'Handles invoices and payment details; rarely uses the product.'),
        ('GUEST', 'An outside collaborator with limited access.');

      CREATE TABLE subscription_statuses (
        code text PRIMARY KEY,
        description text NOT NULL,
        counts_as_revenue boolean NOT NULL
      );
      INSERT INTO subscription_statuses (code, description, counts_as_revenue) VALUES
        ('TRIALING', 'In a free trial; counts zero MRR.', false),
        ('ACTIVE', 'Paying and in good standing.', true),
        ('PAST_DUE', 'Payment failed but the subscription is still in force.', true),
        ('CANCELED', 'Ended; no longer in force.', false),
        ('PAUSED', 'Temporarily not billed.', false);

      CREATE TABLE plans (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        interval text NOT NULL CHECK (interval IN ('MONTH', 'YEAR')),
        price_minor bigint NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
        currency char(3) NOT NULL DEFAULT 'USD',
        is_paid boolean NOT NULL DEFAULT false,
        source text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz
      );

      CREATE TABLE accounts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id text NOT NULL UNIQUE,
        name text,
        domain text,
        industry text,
        employee_count integer CHECK (employee_count >= 0),
        traits jsonb NOT NULL DEFAULT '{}',
        is_test boolean NOT NULL DEFAULT false,
        source text NOT NULL DEFAULT 'api',
        last_seen_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz
      );
      CREATE INDEX accounts_updated_at_idx ON accounts (updated_at, id);
      CREATE INDEX accounts_industry_idx ON accounts (industry);

      CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id text NOT NULL UNIQUE,
        email text,
        name text,
        traits jsonb NOT NULL DEFAULT '{}',
        is_test boolean NOT NULL DEFAULT false,
        source text NOT NULL DEFAULT 'api',
        last_seen_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz
      );
      CREATE INDEX users_updated_at_idx ON users (updated_at, id);
      CREATE INDEX users_email_idx ON users (lower(email));

      CREATE TABLE memberships (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id bigint NOT NULL REFERENCES accounts (id),
        user_id bigint NOT NULL REFERENCES users (id),
        role_code text NOT NULL DEFAULT 'MEMBER' REFERENCES membership_roles (code),
        joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        left_at timestamptz,
        source text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz,
        UNIQUE (account_id, user_id)
      );
      CREATE INDEX memberships_user_idx ON memberships (user_id);

      CREATE TABLE teams (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id text NOT NULL UNIQUE,
        account_id bigint NOT NULL REFERENCES accounts (id),
        name text NOT NULL,
        source text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz
      );
      CREATE INDEX teams_account_idx ON teams (account_id);

      CREATE TABLE team_members (
        team_id bigint NOT NULL REFERENCES teams (id),
        user_id bigint NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (team_id, user_id)
      );
      CREATE INDEX team_members_user_idx ON team_members (user_id);

      CREATE TABLE subscriptions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id text NOT NULL UNIQUE,
        account_id bigint NOT NULL REFERENCES accounts (id),
        plan_id bigint REFERENCES plans (id),
        status_code text NOT NULL REFERENCES subscription_statuses (code),
        seats integer CHECK (seats >= 0),
        mrr_minor bigint NOT NULL CHECK (mrr_minor >= 0),
        currency char(3) NOT NULL DEFAULT 'USD',
        started_at timestamptz NOT NULL,
        current_period_end timestamptz,
        canceled_at timestamptz,
        ended_at timestamptz,
        source text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz,
        CHECK (ended_at IS NULL OR ended_at >= started_at)
      );
      CREATE INDEX subscriptions_account_idx ON subscriptions (account_id);

      -- One row per change of what a subscription bills, at the time the change took effect.
      -- Reading the latest row at or before an instant gives the subscription's state then;
      -- an ended subscription gets a CANCELED row at its end time.
      CREATE TABLE subscription_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subscription_id bigint NOT NULL REFERENCES subscriptions (id),
        account_id bigint NOT NULL REFERENCES accounts (id),
        plan_id bigint REFERENCES plans (id),
        status_code text NOT NULL REFERENCES subscription_statuses (code),
        seats integer,
        mrr_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        effective_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        source text NOT NULL DEFAULT 'api'
      );
      CREATE INDEX subscription_history_subscription_idx
        ON subscription_history (subscription_id, effective_at DESC, id DESC);
      CREATE INDEX subscription_history_account_idx ON subscription_history (account_id, effective_at);

      CREATE TABLE api_keys (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        scopes text[] NOT NULL CHECK (scopes <@ ARRAY['ingest', 'read', 'sync', 'admin']),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
    `);
    for (const table of ['plans', 'accounts', 'users', 'memberships', 'teams', 'subscriptions']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_touch_updated_at BEFORE UPDATE ON ${table}
         FOR EACH ROW EXECUTE FUNCTION harmony_touch_updated_at()`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE api_keys;
      DROP TABLE subscription_history;
      DROP TABLE subscriptions;
      DROP TABLE team_members;
      DROP TABLE teams;
      DROP TABLE memberships;
      DROP TABLE users;
      DROP TABLE accounts;
      DROP TABLE plans;
      DROP TABLE subscription_statuses;
      DROP TABLE membership_roles;
      DROP FUNCTION harmony_touch_updated_at();
    `);
  }
}
