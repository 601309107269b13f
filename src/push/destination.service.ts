import type { DataSource } from 'typeorm';
import { HarmonyError, invalidInput, notFound } from '../shared/errors';
import {
  KIND_TRAITS,
  type DestinationKind,
  type PushTier,
  type RateLimit,
} from './destination-kinds';
import { validateDestinationUrl } from './destination-url';
import type {
  Destination,
  DestinationSecretPayload,
  DestinationSubscription,
  DestinationSubscriptionInput,
  UpsertDestinationInput,
} from './destination.types';
import type { PushOptions } from './push-options';
import { generateSecret, isValidSecret } from './webhook-signing';
import { returnedRows } from './returned-rows';

const MAX_SUBSCRIPTIONS = 100;
const MAX_DESTINATIONS = 1000;
const MAX_NAME_LENGTH = 200;

/** A destination row as the worker needs it (secrets included). */
export type DestinationRow = {
  id: string;
  name: string;
  kind: DestinationKind;
  url: string;
  tier: PushTier;
  subscriptions: DestinationSubscription[];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  rate_limit_requests: number | null;
  rate_limit_seconds: number | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  last_batch_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

/** The budget in force: the destination's own, or its kind's default. */
export function rateLimitOf(row: DestinationRow): RateLimit | null {
  if (row.rate_limit_requests && row.rate_limit_seconds)
    return { requests: row.rate_limit_requests, seconds: row.rate_limit_seconds };
  return KIND_TRAITS[row.kind].defaultRateLimit;
}

/** The secrets that sign a request now: the current one, and the previous during an overlap. */
export function signingSecretsOf(row: DestinationRow, now = new Date()): string[] {
  return row.previous_secret &&
    row.previous_secret_expires_at &&
    row.previous_secret_expires_at > now
    ? [row.secret, row.previous_secret]
    : [row.secret];
}

export function toDestination(row: DestinationRow): Destination {
  return {
    id: String(row.id),
    name: row.name,
    kind: row.kind,
    url: row.url,
    tier: row.tier,
    subscriptions: row.subscriptions,
    rateLimit: rateLimitOf(row),
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    failingSince: row.failing_since,
    previousSecretExpiresAt: row.previous_secret ? row.previous_secret_expires_at : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Destinations: create, change, list, delete, rotate secrets. Admin scope (the resolver). */
export class DestinationService {
  private readonly changeListeners: Array<() => void> = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: Pick<PushOptions, 'allowPrivateUrls' | 'secretOverlapMs'>,
  ) {}

  /** Called after any change, so caches of the destination list (ingestion's) reload. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  async list(): Promise<Destination[]> {
    const rows: DestinationRow[] = await this.dataSource.query(
      `SELECT * FROM push_destinations ORDER BY id LIMIT ${MAX_DESTINATIONS}`,
    );
    return rows.map(toDestination);
  }

  async findRow(id: string): Promise<DestinationRow | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const [row] = await this.dataSource.query(`SELECT * FROM push_destinations WHERE id = $1`, [
      id,
    ]);
    return row ?? null;
  }

  async upsert(input: UpsertDestinationInput): Promise<DestinationSecretPayload> {
    const name = input.name.trim();
    if (!name || name.length > MAX_NAME_LENGTH)
      throw invalidInput('name', `expected 1 to ${MAX_NAME_LENGTH} characters`);
    const url = validateDestinationUrl(input.url, this.options.allowPrivateUrls);
    if (input.secret != null && !isValidSecret(input.secret))
      throw invalidInput('secret', 'expected whsec_ followed by base64 of 24 to 64 bytes');
    const rateLimit = input.rateLimit ?? null;
    if (
      rateLimit &&
      (rateLimit.requests < 1 || rateLimit.seconds < 1 || rateLimit.seconds > 86_400)
    )
      throw invalidInput('rateLimit', 'expected requests ≥ 1 and seconds between 1 and 86400');
    const subscriptions = await this.resolveSubscriptions(input.subscriptions);
    const generated = input.secret == null ? generateSecret() : null;
    await this.checkCountBefore(name);

    const [row]: Array<DestinationRow & { inserted: boolean }> = await this.dataSource.query(
      `INSERT INTO push_destinations
         (name, kind, url, tier, subscriptions, secret, rate_limit_requests, rate_limit_seconds, enabled)
       VALUES ($1, $2, $3, $4, $5::jsonb, COALESCE($6, $7), $8, $9, COALESCE($10, true))
       ON CONFLICT (name) DO UPDATE SET
         kind = EXCLUDED.kind, url = EXCLUDED.url, tier = EXCLUDED.tier,
         subscriptions = EXCLUDED.subscriptions,
         secret = COALESCE($6, push_destinations.secret),
         rate_limit_requests = EXCLUDED.rate_limit_requests,
         rate_limit_seconds = EXCLUDED.rate_limit_seconds,
         enabled = COALESCE($10, push_destinations.enabled),
         disabled_reason = CASE WHEN COALESCE($10, push_destinations.enabled)
           THEN NULL ELSE push_destinations.disabled_reason END,
         disabled_at = CASE WHEN COALESCE($10, push_destinations.enabled)
           THEN NULL ELSE push_destinations.disabled_at END,
         failing_since = CASE WHEN $10 THEN NULL ELSE push_destinations.failing_since END,
         updated_at = now()
       RETURNING *, (xmax = 0) AS inserted`,
      [
        name,
        input.kind,
        url,
        input.tier,
        JSON.stringify(subscriptions),
        input.secret ?? null,
        generated,
        rateLimit?.requests ?? null,
        rateLimit?.seconds ?? null,
        input.enabled ?? null,
      ],
    );
    this.changed();
    return { destination: toDestination(row), secret: row.inserted ? generated : null };
  }

  /** A new secret; the previous one keeps signing for `secretOverlapMs` (both signatures sent). */
  async rotateSecret(id: string): Promise<DestinationSecretPayload> {
    const secret = generateSecret();
    const rows = returnedRows<DestinationRow>(
      await this.dataSource.query(
        `UPDATE push_destinations SET previous_secret = secret, secret = $2,
         previous_secret_expires_at = now() + make_interval(secs => $3::float / 1000),
         updated_at = now()
       WHERE id = $1 RETURNING *`,
        [this.assertId(id), secret, this.options.secretOverlapMs],
      ),
    );
    if (!rows[0]) throw notFound('destination', id);
    this.changed();
    return { destination: toDestination(rows[0]), secret };
  }

  /** Deletes the destination, its pending changes and its ledger. */
  async delete(id: string): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(`DELETE FROM push_destinations WHERE id = $1 RETURNING id`, [
        this.assertId(id),
      ]),
    );
    this.changed();
    return rows.length > 0;
  }

  private assertId(id: string): string {
    if (!/^\d{1,18}$/.test(id)) throw invalidInput('id', `expected a destination id, got "${id}"`);
    return id;
  }

  /** A new destination past the bound is refused (each costs a job queue and a cache entry). */
  private async checkCountBefore(name: string): Promise<void> {
    const [{ count, exists }] = await this.dataSource.query(
      `SELECT count(*)::int AS count, bool_or(name = $1) AS exists FROM push_destinations`,
      [name],
    );
    if (!exists && count >= MAX_DESTINATIONS)
      throw new HarmonyError('BAD_USER_INPUT', `at most ${MAX_DESTINATIONS} destinations`);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Checks each subscription's shape and resolves event keys to definition ids when known. */
  private async resolveSubscriptions(
    inputs: DestinationSubscriptionInput[],
  ): Promise<DestinationSubscription[]> {
    if (inputs.length === 0) throw invalidInput('subscriptions', 'expected at least one');
    if (inputs.length > MAX_SUBSCRIPTIONS)
      throw invalidInput(
        'subscriptions',
        `expected at most ${MAX_SUBSCRIPTIONS}, got ${inputs.length}`,
      );
    const resolved: DestinationSubscription[] = [];
    for (const [index, input] of inputs.entries()) {
      const field = `subscriptions[${index}]`;
      const required = { EVENT: 'event', SEGMENT: 'segment', THRESHOLD: 'threshold' } as const;
      const needed = required[input.kind as keyof typeof required];
      if (needed && !input[needed]?.trim())
        throw invalidInput(`${field}.${needed}`, `required for a ${input.kind} subscription`);
      if (input.fields && input.fields.length > 100)
        throw invalidInput(`${field}.fields`, 'expected at most 100 fields');
      resolved.push({
        kind: input.kind,
        event: input.kind === 'EVENT' ? input.event!.trim() : null,
        eventDefinitionId:
          input.kind === 'EVENT' ? await this.definitionIdOf(input.event!.trim()) : null,
        segment: input.segment?.trim() || null,
        threshold: input.threshold?.trim() || null,
        fields: input.fields ?? null,
      });
    }
    return resolved;
  }

  /** The definition an event key (any alias) or id names; null when no event has it yet. */
  private async definitionIdOf(reference: string): Promise<string | null> {
    const [row] = await this.dataSource.query(
      `SELECT definition_id::text AS id FROM event_definition_aliases WHERE alias = $1
       UNION ALL SELECT id::text FROM event_definitions WHERE $1 ~ '^[0-9]{1,18}$' AND id = $1::bigint
       LIMIT 1`,
      [reference],
    );
    return row?.id ?? null;
  }
}
