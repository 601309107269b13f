import type { DataSource } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import type { MetricsService } from '../metrics';
import { HarmonyError, invalidInput, notFound } from '../shared/errors';
import { parseCursor, readChanges, type RecordedChange } from './change-feed';
import { ViewRefresher, type ViewRefresherOptions } from './account-views/view-refresher';
import {
  leavesOf,
  parseSegmentDefinition,
  SegmentDefinitionError,
  type SegmentDefinition,
} from './segments/segment-definition';
import {
  loadSegmentCatalog,
  SEGMENTS_DIR,
  SegmentStore,
  type StoredSegment,
} from './segments/segment-store';

/** A stored account view (money in minor units, as stored). */
export type AccountViewRow = {
  account_id: string;
  plan_code: string | null;
  mrr_minor: string | null;
  currency: string | null;
  seats: number;
  active_users_30d: number;
  last_seen_at: Date | null;
  health_score: string | null;
  pql_score: string | null;
  segments: string[];
  lifetime_revenue_minor: string | null;
  is_test: boolean;
  is_deleted: boolean;
  updated_at: Date;
  change_seq: string;
};

export type Page<T> = { items: T[]; hasNextPage: boolean };

export type SignalsServiceOptions = ViewRefresherOptions & {
  /** Folder of the segment YAML. Default `schema/segments`. */
  segmentsDir?: string;
  /** Largest page of views, changes or members. Default 100. */
  maxPageSize?: number;
};

/** Account views, segments and the change feed, as the API reads and defines them. */
export class SignalsService {
  readonly segments: SegmentStore;
  readonly refresher: ViewRefresher;
  private readonly segmentsDir: string;
  private readonly maxPageSize: number;
  private catalogReady: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    options: SignalsServiceOptions = {},
  ) {
    this.segments = new SegmentStore(dataSource);
    this.refresher = new ViewRefresher(dataSource, metrics, this.segments, options);
    this.segmentsDir = options.segmentsDir ?? SEGMENTS_DIR;
    this.maxPageSize = options.maxPageSize ?? 100;
  }

  /** Loads `schema/segments/*.yml`, versioning what changed; returns the changed names. */
  async syncCatalog(changedBy = 'segments:sync'): Promise<string[]> {
    let entries;
    try {
      entries = loadSegmentCatalog(this.segmentsDir);
      for (const entry of entries) await this.assertMetricsExist(entry.definition, entry.file);
    } catch (error) {
      throw asInputError(error);
    }
    return this.segments.syncCatalog(entries, changedBy);
  }

  /** A server that never synced loads the YAML catalog once. */
  ensureCatalog(): Promise<void> {
    this.catalogReady ??= (async () => {
      const current = await this.segments.current();
      if (!current.length) await this.syncCatalog('startup');
    })().catch((error) => {
      this.catalogReady = null;
      throw error;
    });
    return this.catalogReady;
  }

  /** `defineSegment`: validates, versions and activates a definition (re-evaluated at once). */
  async define(
    input: { definition?: Record<string, unknown> | null; yaml?: string | null },
    reason: string,
    changedBy: string,
  ): Promise<StoredSegment> {
    await this.ensureCatalog();
    if (!reason.trim()) throw invalidInput('reason', 'expected a non-empty reason for the change');
    if ((input.definition == null) === (input.yaml == null)) {
      throw invalidInput('input', 'expected exactly one of definition or yaml');
    }
    let definition: SegmentDefinition;
    try {
      let raw: unknown;
      try {
        raw = input.definition ?? parseYaml(input.yaml!);
      } catch (error) {
        throw invalidInput('input.yaml', `not valid YAML: ${(error as Error).message}`);
      }
      definition = parseSegmentDefinition(raw, 'defineSegment');
      await this.assertMetricsExist(definition, 'defineSegment');
    } catch (error) {
      throw asInputError(error);
    }
    await this.segments.define(definition, changedBy, reason.trim());
    await this.refresher.refresh();
    return this.segment(definition.name);
  }

  async list(): Promise<StoredSegment[]> {
    await this.ensureCatalog();
    return this.segments.current();
  }

  async segment(name: string): Promise<StoredSegment> {
    const found = (await this.list()).find((s) => s.name === name);
    if (!found) throw notFound('segment', name);
    return found;
  }

  async size(name: string): Promise<number> {
    const [row]: Array<{ size: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS size FROM segment_members WHERE segment = $1`,
      [name],
    );
    return row.size;
  }

  /** Member account ids of a segment in id order, after an account id. */
  async memberIds(name: string, first: number, afterId: string | null): Promise<Page<string>> {
    this.assertPageSize(first);
    const rows: Array<{ account_id: string }> = await this.dataSource.query(
      `SELECT account_id::text AS account_id FROM segment_members
       WHERE segment = $1 AND account_id > $2::bigint ORDER BY account_id LIMIT $3`,
      [name, afterId ?? '0', first + 1],
    );
    return {
      items: rows.slice(0, first).map((r) => r.account_id),
      hasNextPage: rows.length > first,
    };
  }

  /** Segment names per account id, for a batch of accounts (Account.segments). */
  async segmentsOfAccounts(accountIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows: Array<{ account_id: string; segments: string[] }> = await this.dataSource.query(
      `SELECT account_id::text AS account_id, array_agg(segment ORDER BY segment) AS segments
       FROM segment_members WHERE account_id = ANY($1::bigint[]) GROUP BY account_id`,
      [accountIds],
    );
    return new Map(rows.map((r) => [r.account_id, r.segments]));
  }

  /** Views in change order: a view is listed at its newest change; `after` is a changeSeq. */
  async views(args: {
    first: number;
    after?: string | null;
    updatedSince?: Date | null;
  }): Promise<Page<AccountViewRow>> {
    this.assertPageSize(args.first);
    const after = parseCursor(args.after);
    const rows: AccountViewRow[] = await this.dataSource.query(
      `SELECT account_id::text AS account_id, plan_code, mrr_minor::text AS mrr_minor,
         trim(currency) AS currency, seats, active_users_30d, last_seen_at,
         health_score::text AS health_score, pql_score::text AS pql_score, segments,
         lifetime_revenue_minor::text AS lifetime_revenue_minor, is_test, is_deleted,
         updated_at, change_seq::text AS change_seq
       FROM account_views
       WHERE change_seq > $1::bigint AND ($2::timestamptz IS NULL OR updated_at >= $2)
       ORDER BY account_views.change_seq LIMIT $3`,
      [after, args.updatedSince ?? null, args.first + 1],
    );
    return { items: rows.slice(0, args.first), hasNextPage: rows.length > args.first };
  }

  /** Changes of one topic after a cursor, oldest first. */
  async changes(args: {
    topic: string;
    subject?: string;
    first: number;
    after?: string | null;
  }): Promise<Page<RecordedChange>> {
    this.assertPageSize(args.first);
    const rows = await readChanges(this.dataSource, {
      after: parseCursor(args.after),
      first: args.first + 1,
      topic: args.topic,
      subject: args.subject,
    });
    return { items: rows.slice(0, args.first), hasNextPage: rows.length > args.first };
  }

  private assertPageSize(first: number): void {
    if (!Number.isInteger(first) || first < 1 || first > this.maxPageSize) {
      throw invalidInput(
        'first',
        `expected a page size between 1 and ${this.maxPageSize}, got ${first}`,
      );
    }
  }

  /** A rule naming an unknown metric is refused when defined, not when evaluated. */
  private async assertMetricsExist(definition: SegmentDefinition, file: string): Promise<void> {
    const known = new Set((await this.metrics.definitions()).map((d) => d.name));
    for (const leaf of leavesOf(definition.rule)) {
      if ('metric' in leaf && !known.has(leaf.metric)) {
        throw new SegmentDefinitionError(
          file,
          definition.name,
          'rule.metric',
          `unknown metric "${leaf.metric}"; known: ${[...known].sort().join(', ')}`,
        );
      }
    }
  }
}

/** Definition problems become INVALID_SEGMENT_DEFINITION errors naming file, segment, field. */
function asInputError(error: unknown): unknown {
  if (!(error instanceof SegmentDefinitionError)) return error;
  return new HarmonyError('INVALID_SEGMENT_DEFINITION', error.message, {
    file: error.file,
    segment: error.segment,
    field: error.field,
  });
}
