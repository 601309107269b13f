import type { DataSource } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import { accountMrrAtSql } from '../../domain/subscription';
import type { MetricsService } from '../../metrics';
import { HarmonyError, invalidInput } from '../../shared/errors';
import { readChanges, recordChanges, sequenceChanges, type ChangeInput } from '../change-feed';
import type { ScoreService } from '../pql/score.service';
import { nextThresholdState } from './hysteresis';
import { loadThresholdCatalog, parseThreshold } from './threshold-catalog';
import type { ThresholdDefinition } from './threshold-definition';
import { ThresholdStore, type StoredThreshold } from './threshold-store';

/** The change-feed topic of threshold crossings. */
export const THRESHOLD_TOPIC = 'threshold';
/** Accounts evaluated per batch (one metric evaluation per threshold per batch). */
const BATCH = 1000;
/** Serialises state updates, so two evaluations of one account never record a crossing twice. */
const STATE_LOCK = 'harmony:threshold_states';

/** A crossing as the API shows it; `cursor` is its change-feed sequence number. */
export type ThresholdCrossing = {
  cursor: string;
  threshold: string;
  accountId: string;
  entered: boolean;
  value: number;
  previousValue: number | null;
  cause: string;
  occurredAt: Date;
};

/** One account's state for one threshold. */
export type ThresholdState = {
  threshold: string;
  accountId: string;
  active: boolean;
  value: number;
  since: Date;
  evaluatedAt: Date;
};

/**
 * Thresholds with hysteresis: definitions (YAML + defineThreshold, versioned), per-account
 * states, and crossings recorded on the change feed. Evaluation works in sets: per batch of
 * accounts, one metric evaluation per threshold and one transaction for the states.
 */
export class ThresholdService {
  readonly store: ThresholdStore;
  private catalogReady: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly scores: ScoreService,
    private readonly options: { thresholdsDir?: string } = {},
  ) {
    this.store = new ThresholdStore(dataSource);
  }

  /** Loads `schema/thresholds/*.yml` once per process, versioning what changed. */
  ensureCatalog(changedBy = 'startup'): Promise<void> {
    this.catalogReady ??= (async () => {
      const entries = loadThresholdCatalog(this.options.thresholdsDir);
      for (const entry of entries) await this.checkReferences(entry.definition, entry.file);
      await this.store.syncYaml(entries, changedBy);
    })().catch((error) => {
      this.catalogReady = null;
      throw error;
    });
    return this.catalogReady;
  }

  async definitions(): Promise<StoredThreshold[]> {
    await this.ensureCatalog();
    return this.store.current();
  }

  async definition(name: string): Promise<StoredThreshold> {
    const found = (await this.definitions()).find((d) => d.name === name);
    if (!found) {
      throw new HarmonyError('NOT_FOUND', `threshold "${name}" does not exist`, {
        what: 'threshold',
        key: name,
      });
    }
    return found;
  }

  /** `defineThreshold(input, reason)`: validates, versions and activates a definition. */
  async define(
    input: { definition?: Record<string, unknown> | null; yaml?: string | null },
    reason: string,
    changedBy: string,
  ): Promise<StoredThreshold> {
    await this.ensureCatalog();
    if (!reason.trim()) throw invalidInput('reason', 'expected a non-empty reason for the change');
    if ((input.definition == null) === (input.yaml == null)) {
      throw invalidInput('input', 'expected exactly one of definition or yaml');
    }
    let raw: unknown = input.definition;
    if (input.yaml != null) {
      try {
        raw = parseYaml(input.yaml);
      } catch (error) {
        throw invalidInput('input.yaml', `not valid YAML: ${(error as Error).message}`);
      }
    }
    const definition = parseThreshold(raw, 'defineThreshold');
    await this.checkReferences(definition, 'defineThreshold');
    await this.store.define(definition, changedBy, reason.trim());
    return this.definition(definition.name);
  }

  /**
   * Evaluates every threshold for these accounts (null: every account not test or deleted, and
   * every account currently inside a threshold). Returns the crossings recorded.
   */
  async evaluate(accountIds: readonly string[] | null, cause: string): Promise<number> {
    const thresholds = await this.definitions();
    if (!thresholds.length) return 0;
    const ids = accountIds ? [...new Set(accountIds)] : await this.watchedAccountIds();
    let crossings = 0;
    for (let start = 0; start < ids.length; start += BATCH) {
      crossings += await this.evaluateBatch(thresholds, ids.slice(start, start + BATCH), cause);
    }
    // Number the crossings now rather than at the pump's next pass, so readers see them at once.
    if (crossings) await sequenceChanges(this.dataSource);
    return crossings;
  }

  /** Crossings of one threshold in commit order, after a change-feed cursor. */
  async crossings(threshold: string, after: string, first: number): Promise<ThresholdCrossing[]> {
    await this.definition(threshold);
    const changes = await readChanges(this.dataSource, {
      topic: THRESHOLD_TOPIC,
      subject: threshold,
      after,
      first,
    });
    return changes.map((c) => ({
      cursor: c.seq,
      threshold: c.subject ?? threshold,
      accountId: c.accountId ?? '0',
      entered: c.changes.active?.new === true,
      value: Number(c.changes.value?.new),
      previousValue: c.changes.value?.old == null ? null : Number(c.changes.value.old),
      cause: c.cause,
      occurredAt: c.recordedAt,
    }));
  }

  private async evaluateBatch(
    thresholds: StoredThreshold[],
    ids: string[],
    cause: string,
  ): Promise<number> {
    const accounts: Array<{ id: string; counted: boolean; paying: boolean }> =
      await this.dataSource.query(
        `SELECT a.id::text AS id, (NOT a.is_test AND a.deleted_at IS NULL) AS counted,
         coalesce(m.mrr_minor, 0) > 0 AS paying
       FROM accounts a
       LEFT JOIN (${accountMrrAtSql('now()', 'AND h.account_id = ANY($1::bigint[])')}) m ON m.account_id = a.id
       WHERE a.id = ANY($1::bigint[])`,
        [ids],
      );
    const accountIds = accounts.map((a) => a.id);
    const values = await Promise.all(
      thresholds.map((t) => this.valuesOf(t.definition, accountIds)),
    );
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [STATE_LOCK]);
      const stateRows: Array<{
        threshold: string;
        account_id: string;
        active: boolean;
        value: number;
      }> = await manager.query(
        `SELECT threshold, account_id::text AS account_id, active, value FROM threshold_states
           WHERE threshold = ANY($1::text[]) AND account_id = ANY($2::bigint[])`,
        [thresholds.map((t) => t.name), accountIds],
      );
      const previous = new Map(stateRows.map((s) => [`${s.threshold}:${s.account_id}`, s]));
      const writes: Array<{
        threshold: string;
        accountId: string;
        active: boolean;
        value: number;
      }> = [];
      const changes: ChangeInput[] = [];
      thresholds.forEach((threshold, index) => {
        const definition = threshold.definition;
        for (const account of accounts) {
          const value = values[index].get(account.id) ?? 0;
          const before = previous.get(`${threshold.name}:${account.id}`);
          const inScope = account.counted && (definition.accounts === 'all' || account.paying);
          // An account out of scope (test, deleted, no longer paying) leaves; it never enters.
          if (!inScope && !before?.active) continue;
          const wasActive = before?.active ?? false;
          const active = inScope ? nextThresholdState(definition, wasActive, value) : false;
          if (before && before.active === active && before.value === value) continue;
          writes.push({ threshold: threshold.name, accountId: account.id, active, value });
          if (active !== wasActive) {
            changes.push({
              topic: THRESHOLD_TOPIC,
              accountId: account.id,
              subject: threshold.name,
              cause,
              changes: {
                active: { old: wasActive, new: active },
                value: { old: before?.value ?? null, new: value },
                version: { old: null, new: threshold.version },
              },
            });
          }
        }
      });
      if (writes.length) {
        await manager.query(
          `INSERT INTO threshold_states AS s (threshold, account_id, active, value, since, evaluated_at)
           SELECT w.threshold, w.account_id, w.active, w.value, clock_timestamp(), clock_timestamp()
           FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::float8[])
             AS w(threshold, account_id, active, value)
           ON CONFLICT (threshold, account_id) DO UPDATE SET active = EXCLUDED.active,
             value = EXCLUDED.value, evaluated_at = EXCLUDED.evaluated_at,
             since = CASE WHEN s.active = EXCLUDED.active THEN s.since ELSE EXCLUDED.since END`,
          [
            writes.map((w) => w.threshold),
            writes.map((w) => w.accountId),
            writes.map((w) => w.active),
            writes.map((w) => w.value),
          ],
        );
      }
      await recordChanges(manager, changes);
      return changes.length;
    });
  }

  /** The watched value of every account of the batch: one evaluation for the whole batch. */
  private async valuesOf(
    definition: ThresholdDefinition,
    ids: string[],
  ): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    if (definition.metric) {
      const { values } = await this.metrics.valuesForAccounts(
        definition.metric,
        { relative: definition.window },
        ids,
      );
      return values;
    }
    const scores = await this.scores.scores(definition.score!, ids);
    return new Map([...scores].map(([id, s]) => [id, s.score]));
  }

  /** Accounts a scheduled pass looks at: every counted account, and any still inside a threshold. */
  private async watchedAccountIds(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id::text AS id FROM accounts WHERE NOT is_test AND deleted_at IS NULL
       UNION SELECT account_id::text FROM threshold_states WHERE active
       ORDER BY 1`,
    );
    return rows.map((r) => r.id);
  }

  private async checkReferences(definition: ThresholdDefinition, origin: string): Promise<void> {
    if (definition.metric) {
      const known = (await this.metrics.definitions()).some((d) => d.name === definition.metric);
      if (!known) {
        throw new HarmonyError(
          'BAD_USER_INPUT',
          `${origin}: threshold "${definition.name}", field "metric": unknown metric "${definition.metric}"`,
          { threshold: definition.name, field: 'metric' },
        );
      }
    }
  }
}
