import type { DataSource, EntityManager } from 'typeorm';
import { ignoreWrites, type WriteObserver } from '../../shared/write-observer';
import { idsByExternalId, loadInOrder } from '../../db/lookup';
import { invalidInput } from '../../shared/errors';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { paginateById, type Connection } from '../shared/connection';
import { softDeleteByExternalId } from '../shared/lookup';
import { Subscription } from './subscription.entity';
import { planHistoryWrites, type SubscriptionState } from './subscription-history';
import {
  applyHistoryWrites,
  insertSubscriptions,
  lockStoredSubscriptions,
  updateSubscriptions,
  type StoredSubscription,
} from './subscription-writes';
import {
  upsertSubscriptionSchema,
  type SubscriptionsArgs,
  type UpsertSubscriptionInput,
  type ValidSubscriptionInput,
} from './subscription.inputs';

export class SubscriptionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxPageSize: number,
    /** Told after each committed write (the cache's generations). */
    private readonly writes: WriteObserver = ignoreWrites,
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

  /**
   * Upserts up to 1,000 subscriptions and their history in one transaction, all or nothing, in
   * a constant number of statements whatever the batch size. Stored rows are locked in
   * external-id order and new ones inserted in that order, so overlapping batches wait for
   * each other instead of deadlocking.
   */
  async upsertMany(inputs: UpsertSubscriptionInput[], source = 'api'): Promise<Subscription[]> {
    assertBatch(inputs, (input) => input.externalId, 'externalId');
    const fieldOf = (index: number) => (inputs.length === 1 ? 'input' : `inputs[${index}]`);
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertSubscriptionSchema, input, fieldOf(index)),
    );
    const written = await this.dataSource.transaction(async (manager) => {
      const lookups = await this.loadLookups(manager, valid);
      const resolved = valid.map((input, index) => ({
        input,
        field: fieldOf(index),
        accountId: resolveReferences(input, fieldOf(index), lookups),
      }));
      const idOf = new Map<string, string>();
      let pending = resolved;
      // A subscription another transaction created after our lock is processed again as stored.
      for (let attempt = 0; pending.length && attempt < 3; attempt++) {
        pending = await this.writeBatch(manager, pending, lookups, source, idOf);
      }
      if (pending.length)
        throw new Error('subscription upsert lost rows under concurrent writes; retry');
      return loadInOrder(
        manager,
        Subscription,
        valid.map((input) => idOf.get(input.externalId)!),
      );
    });
    this.writes.committed(['subscriptions']);
    return written;
  }

  async softDelete(externalId: string): Promise<Subscription> {
    const deleted = await softDeleteByExternalId(
      this.dataSource.getRepository(Subscription),
      externalId,
      'subscription',
    );
    this.writes.committed(['subscriptions']);
    return deleted;
  }

  private async loadLookups(manager: EntityManager, inputs: ValidSubscriptionInput[]) {
    // One after the other: a transaction's client runs one query at a time anyway.
    const accountIds = await idsByExternalId(
      manager,
      'accounts',
      inputs.map((input) => input.accountExternalId),
    );
    const plans: Array<{ id: string; code: string }> = await manager.query(
      'SELECT id, code FROM plans WHERE deleted_at IS NULL',
    );
    const statuses: Array<{ code: string }> = await manager.query(
      'SELECT code FROM subscription_statuses ORDER BY code',
    );
    return {
      accountIds,
      planIds: new Map(plans.map((plan) => [plan.code, String(plan.id)])),
      statusCodes: statuses.map((status) => status.code),
    };
  }

  /**
   * Locks the stored rows, plans each row's state and history, and writes them: new rows,
   * updated rows, history. Returns the inputs whose row appeared since the lock (to redo).
   */
  private async writeBatch(
    manager: EntityManager,
    batch: ResolvedInput[],
    lookups: Lookups,
    source: string,
    idOf: Map<string, string>,
  ): Promise<ResolvedInput[]> {
    const stored = await lockStoredSubscriptions(
      manager,
      batch.map(({ input }) => input.externalId),
    );
    const now = new Date();
    const planned = batch.map((item) => {
      const previous = stored.get(item.input.externalId) ?? null;
      if (previous && previous.accountId !== item.accountId) {
        throw invalidInput(
          `${item.field}.accountExternalId`,
          'a subscription cannot move to another account',
        );
      }
      const effectiveAt = item.input.effectiveAt ?? now;
      const state = nextState(item.input, previous, lookups, effectiveAt);
      return {
        item,
        previous,
        write: { input: item.input, accountId: item.accountId, state },
        history: planHistoryWrites(previous, state, effectiveAt),
      };
    });
    const inserted = await insertSubscriptions(
      manager,
      planned.filter((p) => !p.previous).map((p) => p.write),
      source,
    );
    await updateSubscriptions(
      manager,
      planned.flatMap((p) => (p.previous ? [{ ...p.write, id: p.previous.id }] : [])),
    );
    const done = planned.flatMap((p) => {
      const id = p.previous?.id ?? inserted.get(p.item.input.externalId);
      return id ? [{ ...p, id }] : [];
    });
    await applyHistoryWrites(
      manager,
      done.map((p) => ({ subscriptionId: p.id, accountId: p.item.accountId, writes: p.history })),
      source,
    );
    for (const p of done) idOf.set(p.item.input.externalId, p.id);
    return batch.filter((item) => !idOf.has(item.input.externalId));
  }
}

type Lookups = Awaited<ReturnType<SubscriptionService['loadLookups']>>;
type ResolvedInput = { input: ValidSubscriptionInput; field: string; accountId: string };

/** The account id of an input, after checking its account, plan and status exist. */
function resolveReferences(input: ValidSubscriptionInput, field: string, lookups: Lookups): string {
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
  return accountId;
}

/** The row an input leaves: what it gives, else what was stored, else the defaults. */
function nextState(
  input: ValidSubscriptionInput,
  previous: StoredSubscription | null,
  lookups: Lookups,
  effectiveAt: Date,
): SubscriptionState {
  const statusCode = input.status ?? previous?.statusCode ?? 'ACTIVE';
  return {
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
}
