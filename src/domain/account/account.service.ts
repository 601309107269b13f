import type { DataSource } from 'typeorm';
import { ignoreWrites, type WriteObserver } from '../../shared/write-observer';
import { loadInOrder } from '../../db/lookup';
import { upsertByKey, type UpsertSpec } from '../../db/upsert';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { paginateById, type Connection } from '../shared/connection';
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

  list(args: AccountsArgs): Promise<Connection<Account>> {
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
    return paginateById(query, args, this.maxPageSize);
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
