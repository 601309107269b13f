import type { DataSource } from 'typeorm';
import { ignoreWrites, type WriteObserver } from '../../shared/write-observer';
import { loadInOrder } from '../../db/lookup';
import { upsertByKey, type UpsertSpec } from '../../db/upsert';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { notFound } from '../../shared/errors';
import { paginateById, type AlongsidePage, type Connection } from '../shared/connection';
import { entityReader } from '../../db/entity-reader';
import { Plan } from '../plan/plan.entity';
import { accountPlanAtSql } from '../subscription';
import { containsPattern, findByIdOrExternalId, softDeleteByExternalId } from '../shared/lookup';
import { Account } from './account.entity';
import {
  upsertAccountSchema,
  type AccountLookupArgs,
  type AccountsArgs,
  type UpsertAccountInput,
} from './account.inputs';

const accountUpsert: UpsertSpec = {
  table: 'accounts',
  key: { column: 'external_id', field: 'externalId', type: 'text' },
  columns: [
    { column: 'name', field: 'name', type: 'text' },
    { column: 'domain', field: 'domain', type: 'text' },
    { column: 'industry', field: 'industry', type: 'text' },
    { column: 'employee_count', field: 'employeeCount', type: 'integer' },
    { column: 'traits', field: 'traits', type: 'jsonb', merge: true },
    { column: 'is_test', field: 'isTest', type: 'boolean', insertDefault: 'false' },
  ],
};

/** Names the plan's columns in the accounts page's statement. */
const PLAN_PREFIX = 'plan.';

/** "The account's plan now is one of these", by the one rule (src/domain/subscription). */
const CURRENT_PLAN_CONDITION = `account.id IN (
  SELECT ap.account_id FROM (${accountPlanAtSql('now()')}) ap WHERE ap.plan_code IN (:...planCodes))`;

export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxPageSize: number,
    /** Told after each committed write (the cache's generations). */
    private readonly writes: WriteObserver = ignoreWrites,
  ) {}

  find(lookup: AccountLookupArgs): Promise<Account | null> {
    return findByIdOrExternalId(this.dataSource.getRepository(Account), lookup);
  }

  /** Segments live in src/signals; only their table is read here, to filter by membership. */
  private async assertSegmentExists(name: string): Promise<void> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM segment_definitions WHERE name = $1`,
      [name],
    );
    if (!rows.length) throw notFound('segment', name);
  }

  /**
   * A page of accounts. With `currentPlans`, the plan now of each account of the page (by the
   * one rule, as `Account.plan` reads it) is read in the page's own statement and handed over,
   * null for an account without one.
   */
  async list(
    args: AccountsArgs,
    options: { currentPlans?: (plans: Map<string, Plan | null>) => void } = {},
  ): Promise<Connection<Account>> {
    const query = this.dataSource.getRepository(Account).createQueryBuilder('account');
    const filter = args.filter;
    if (filter?.includeDeleted) query.withDeleted();
    if (filter?.search) {
      query.andWhere('(account.name ILIKE :search OR account.domain ILIKE :search)', {
        search: containsPattern(filter.search),
      });
    }
    if (filter?.industry?.length)
      query.andWhere('account.industry IN (:...industries)', { industries: filter.industry });
    if (filter?.employeeCount?.min != null) {
      query.andWhere('account.employee_count >= :minEmployees', {
        minEmployees: filter.employeeCount.min,
      });
    }
    if (filter?.employeeCount?.max != null) {
      query.andWhere('account.employee_count <= :maxEmployees', {
        maxEmployees: filter.employeeCount.max,
      });
    }
    if (filter?.planCode?.length)
      query.andWhere(CURRENT_PLAN_CONDITION, { planCodes: filter.planCode });
    if (filter?.isTest != null)
      query.andWhere('account.is_test = :isTest', { isTest: filter.isTest });
    if (args.updatedSince)
      query.andWhere('account.updated_at >= :updatedSince', { updatedSince: args.updatedSince });
    if (args.segment != null) {
      await this.assertSegmentExists(args.segment);
      query.andWhere(
        'account.id IN (SELECT sm.account_id FROM segment_members sm WHERE sm.segment = :segment)',
        { segment: args.segment },
      );
    }
    const alongside = options.currentPlans && this.currentPlansAlongside(options.currentPlans);
    return paginateById(query, args, this.maxPageSize, alongside);
  }

  private currentPlansAlongside(receive: (plans: Map<string, Plan | null>) => void): AlongsidePage {
    const plan = entityReader(this.dataSource, Plan).prefixed(PLAN_PREFIX);
    return {
      columns: plan.columns('p'),
      joins: `LEFT JOIN (${accountPlanAtSql('now()', 'AND h.account_id IN (SELECT "id" FROM page)')}) ap
                ON ap.account_id = page."id"
              LEFT JOIN plans p ON p.id = ap.plan_id`,
      read: (rows) =>
        receive(
          new Map(
            rows.map((row) => [
              String(row.id),
              row[`${PLAN_PREFIX}id`] == null ? null : plan.read(row),
            ]),
          ),
        ),
    };
  }

  /** Upserts up to 1,000 accounts in one transaction; all or nothing. */
  async upsertMany(inputs: UpsertAccountInput[], source = 'api'): Promise<Account[]> {
    assertBatch(inputs, (input) => input.externalId, 'externalId');
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertAccountSchema, input, inputs.length === 1 ? 'input' : `inputs[${index}]`),
    );
    const written = await this.dataSource.transaction(async (manager) => {
      const ids = await upsertByKey(manager, accountUpsert, valid, source);
      return loadInOrder(manager, Account, ids);
    });
    this.writes.committed(['accounts']);
    return written;
  }

  /** Soft-deletes the account; idempotent. */
  async softDelete(externalId: string): Promise<Account> {
    const deleted = await softDeleteByExternalId(
      this.dataSource.getRepository(Account),
      externalId,
      'account',
    );
    this.writes.committed(['accounts']);
    return deleted;
  }
}
