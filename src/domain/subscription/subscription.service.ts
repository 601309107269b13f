import type { DataSource, EntityManager } from 'typeorm';
import { idsByExternalId, loadInOrder } from '../../db/lookup';
import { invalidInput } from '../../shared/errors';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { paginateById, type Connection } from '../shared/connection';
import { softDeleteByExternalId } from '../shared/lookup';
import { Subscription } from './subscription.entity';
import {
  planHistoryWrites,
  type BillingState,
  type HistoryWrite,
  type SubscriptionState,
} from './subscription-history';
import {
  upsertSubscriptionSchema,
  type SubscriptionsArgs,
  type UpsertSubscriptionInput,
  type ValidSubscriptionInput,
} from './subscription.inputs';

type StoredSubscription = SubscriptionState & { id: string; accountId: string };

export class SubscriptionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxPageSize: number,
  ) {}

  list(args: SubscriptionsArgs): Promise<Connection<Subscription>> {
    const query = this.dataSource.getRepository(Subscription).createQueryBuilder('subscription');
    if (args.includeDeleted) query.withDeleted();
    if (args.accountExternalId) {
      query.andWhere(
        'subscription.account_id = (SELECT id FROM accounts WHERE external_id = :accountExternalId)',
        {
          accountExternalId: args.accountExternalId,
        },
      );
    }
    if (args.status?.length)
      query.andWhere('subscription.status_code IN (:...statuses)', { statuses: args.status });
    if (args.planCode?.length) {
      query.andWhere(
        'subscription.plan_id IN (SELECT id FROM plans WHERE code IN (:...planCodes))',
        { planCodes: args.planCode },
      );
    }
    if (args.updatedSince)
      query.andWhere('subscription.updated_at >= :updatedSince', {
        updatedSince: args.updatedSince,
      });
    return paginateById(query, args, this.maxPageSize);
  }

  /** Upserts up to 1,000 subscriptions and their history in one transaction; all or nothing. */
  async upsertMany(inputs: UpsertSubscriptionInput[], source = 'api'): Promise<Subscription[]> {
    assertBatch(inputs, (input) => input.externalId, 'externalId');
    const fieldOf = (index: number) => (inputs.length === 1 ? 'input' : `inputs[${index}]`);
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertSubscriptionSchema, input, fieldOf(index)),
    );
    return this.dataSource.transaction(async (manager) => {
      const lookups = await this.loadLookups(manager, valid);
      const ids: string[] = [];
      for (const [index, input] of valid.entries()) {
        ids.push(await this.upsertOne(manager, input, fieldOf(index), lookups, source));
      }
      return loadInOrder(manager, Subscription, ids);
    });
  }

  softDelete(externalId: string): Promise<Subscription> {
    return softDeleteByExternalId(
      this.dataSource.getRepository(Subscription),
      externalId,
      'subscription',
    );
  }

  private async loadLookups(manager: EntityManager, inputs: ValidSubscriptionInput[]) {
    const [accountIds, plans, statuses] = await Promise.all([
      idsByExternalId(
        manager,
        'accounts',
        inputs.map((input) => input.accountExternalId),
      ),
      manager.query('SELECT id, code FROM plans WHERE deleted_at IS NULL') as Promise<
        Array<{ id: string; code: string }>
      >,
      manager.query('SELECT code FROM subscription_statuses ORDER BY code') as Promise<
        Array<{ code: string }>
      >,
    ]);
    return {
      accountIds,
      planIds: new Map(plans.map((plan) => [plan.code, plan.id])),
      statusCodes: statuses.map((status) => status.code),
    };
  }

  private async upsertOne(
    manager: EntityManager,
    input: ValidSubscriptionInput,
    field: string,
    lookups: Awaited<ReturnType<SubscriptionService['loadLookups']>>,
    source: string,
  ): Promise<string> {
    const accountId = lookups.accountIds.get(input.accountExternalId);
    if (!accountId)
      throw invalidInput(
        `${field}.accountExternalId`,
        `no account has externalId "${input.accountExternalId}"`,
      );
    if (input.planCode && !lookups.planIds.has(input.planCode)) {
      throw invalidInput(
        `${field}.planCode`,
        `no plan has code "${input.planCode}"; create it with upsertPlan`,
      );
    }
    if (input.status && !lookups.statusCodes.includes(input.status)) {
      throw invalidInput(
        `${field}.status`,
        `expected one of ${lookups.statusCodes.join(', ')}, got "${input.status}"`,
      );
    }

    const previous = await this.lockStored(manager, input.externalId);
    if (previous && previous.accountId !== accountId) {
      throw invalidInput(
        `${field}.accountExternalId`,
        'a subscription cannot move to another account',
      );
    }
    const now = new Date();
    const effectiveAt = input.effectiveAt ?? now;
    const statusCode = input.status ?? previous?.statusCode ?? 'ACTIVE';
    const next: SubscriptionState = {
      statusCode,
      planId: input.planCode ? lookups.planIds.get(input.planCode)! : (previous?.planId ?? null),
      seats: input.seats !== undefined ? input.seats : (previous?.seats ?? null),
      mrrMinor: input.mrr,
      currency: input.currency ?? previous?.currency ?? 'USD',
      startedAt: input.startedAt,
      // A cancellation without an end time ends the subscription when it was canceled.
      endedAt:
        input.endedAt ?? (statusCode === 'CANCELED' ? (input.canceledAt ?? effectiveAt) : null),
    };

    const id = previous ? previous.id : await this.insert(manager, accountId, input, next, source);
    if (previous) await this.update(manager, id, input, next);
    await this.applyHistory(
      manager,
      id,
      accountId,
      planHistoryWrites(previous, next, effectiveAt),
      source,
    );
    return id;
  }

  private async lockStored(
    manager: EntityManager,
    externalId: string,
  ): Promise<StoredSubscription | null> {
    const [row] = await manager.query(
      `SELECT id, account_id, status_code, plan_id, seats, mrr_minor, currency, started_at, ended_at
       FROM subscriptions WHERE external_id = $1 FOR UPDATE`,
      [externalId],
    );
    if (!row) return null;
    return {
      id: row.id,
      accountId: row.account_id,
      statusCode: row.status_code,
      planId: row.plan_id,
      seats: row.seats,
      mrrMinor: row.mrr_minor,
      currency: row.currency.trim(),
      startedAt: row.started_at,
      endedAt: row.ended_at,
    };
  }

  private async insert(
    manager: EntityManager,
    accountId: string,
    input: ValidSubscriptionInput,
    state: SubscriptionState,
    source: string,
  ): Promise<string> {
    const [row] = await manager.query(
      `INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, seats, mrr_minor, currency,
         started_at, current_period_end, canceled_at, ended_at, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        input.externalId,
        accountId,
        state.planId,
        state.statusCode,
        state.seats,
        state.mrrMinor,
        state.currency,
        state.startedAt,
        input.currentPeriodEnd ?? null,
        input.canceledAt ?? null,
        state.endedAt,
        source,
      ],
    );
    return row.id;
  }

  private async update(
    manager: EntityManager,
    id: string,
    input: ValidSubscriptionInput,
    state: SubscriptionState,
  ) {
    await manager.query(
      `UPDATE subscriptions SET plan_id = $2, status_code = $3, seats = $4, mrr_minor = $5, currency = $6,
         started_at = $7, ended_at = $8,
         current_period_end = CASE WHEN $9 THEN $10::timestamptz ELSE current_period_end END,
         canceled_at = CASE WHEN $11 THEN $12::timestamptz ELSE canceled_at END,
         deleted_at = NULL
       WHERE id = $1`,
      [
        id,
        state.planId,
        state.statusCode,
        state.seats,
        state.mrrMinor,
        state.currency,
        state.startedAt,
        state.endedAt,
        input.currentPeriodEnd !== undefined,
        input.currentPeriodEnd ?? null,
        input.canceledAt !== undefined,
        input.canceledAt ?? null,
      ],
    );
  }

  private async applyHistory(
    manager: EntityManager,
    subscriptionId: string,
    accountId: string,
    writes: HistoryWrite[],
    source: string,
  ) {
    for (const write of writes) {
      if (write.kind === 'insert') {
        await insertHistoryRow(
          manager,
          subscriptionId,
          accountId,
          write.effectiveAt,
          write.state,
          source,
        );
      } else if (write.kind === 'moveStart') {
        await manager.query(
          `UPDATE subscription_history SET effective_at = $2
           WHERE id = (SELECT id FROM subscription_history WHERE subscription_id = $1 ORDER BY effective_at, id LIMIT 1)`,
          [subscriptionId, write.to],
        );
      } else {
        await manager.query(
          `UPDATE subscription_history SET effective_at = $3
           WHERE subscription_id = $1 AND effective_at = $2 AND status_code = 'CANCELED'`,
          [subscriptionId, write.from, write.to],
        );
      }
    }
  }
}

function insertHistoryRow(
  manager: EntityManager,
  subscriptionId: string,
  accountId: string,
  effectiveAt: Date,
  state: BillingState,
  source: string,
) {
  return manager.query(
    `INSERT INTO subscription_history
       (subscription_id, account_id, plan_id, status_code, seats, mrr_minor, currency, effective_at, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      subscriptionId,
      accountId,
      state.planId,
      state.statusCode,
      state.seats,
      state.mrrMinor,
      state.currency,
      effectiveAt,
      source,
    ],
  );
}
