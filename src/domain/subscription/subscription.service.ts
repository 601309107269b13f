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
  NEW_SUBSCRIPTION_REQUIRES,
  NOT_NULLABLE_SUBSCRIPTION_FIELDS,
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
    const valid = inputs.map((input, index) => {
      for (const name of NOT_NULLABLE_SUBSCRIPTION_FIELDS) {
        if (input[name] === null) {
          throw invalidInput(
            `${fieldOf(index)}.${name}`,
            'must not be null; leave it out to keep the stored value',
          );
        }
      }
      return parseOrThrow(upsertSubscriptionSchema, input, fieldOf(index));
    });
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
      inputs.flatMap((input) => (input.accountExternalId ? [input.accountExternalId] : [])),
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
      if (!previous) assertCompleteForNew(item);
      if (previous && item.accountId !== null && previous.accountId !== item.accountId) {
        throw invalidInput(
          `${item.field}.accountExternalId`,
          'a subscription cannot move to another account',
        );
      }
      const accountId = item.accountId ?? previous!.accountId;
      const effectiveAt = item.input.effectiveAt ?? now;
      const state = nextState(item.input, previous, lookups, effectiveAt, item.field);
      return {
        item: { ...item, accountId },
        previous,
        write: { input: item.input, accountId, state },
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
type ResolvedInput = { input: ValidSubscriptionInput; field: string; accountId: string | null };

/** A subscription that does not exist yet needs an account, an amount and a start. */
function assertCompleteForNew({ input, field }: ResolvedInput): void {
  const missing = NEW_SUBSCRIPTION_REQUIRES.filter((name) => input[name] === undefined);
  if (missing.length) {
    throw invalidInput(
      field,
      `no subscription has externalId "${input.externalId}" yet, and a new one needs ${NEW_SUBSCRIPTION_REQUIRES.join(', ')}; missing: ${missing.join(', ')}`,
      { missing },
    );
  }
}

/**
 * The account id of an input (null when left out: an update keeps its account), after
 * checking its account, plan and status exist.
 */
function resolveReferences(
  input: ValidSubscriptionInput,
  field: string,
  lookups: Lookups,
): string | null {
  if (input.accountExternalId === undefined) return null;
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

/**
 * The row an input leaves: what it gives, else what was stored, else the defaults. A new
 * subscription has passed assertCompleteForNew, so mrr and startedAt are there.
 */
function nextState(
  input: ValidSubscriptionInput,
  previous: StoredSubscription | null,
  lookups: Lookups,
  effectiveAt: Date,
  field: string,
): SubscriptionState {
  const statusCode = input.status ?? previous?.statusCode ?? 'ACTIVE';
  const startedAt = input.startedAt ?? previous!.startedAt;
  const state: SubscriptionState = {
    statusCode,
    planId:
      input.planCode === undefined
        ? (previous?.planId ?? null)
        : input.planCode && lookups.planIds.get(input.planCode)!,
    seats: input.seats !== undefined ? input.seats : (previous?.seats ?? null),
    mrrMinor: input.mrr ?? previous!.mrrMinor,
    currency: input.currency ?? previous?.currency ?? 'USD',
    startedAt,
    endedAt: nextEndedAt(input, previous, statusCode, effectiveAt),
  };
  if (state.endedAt && state.endedAt < startedAt) {
    throw invalidInput(`${field}.endedAt`, 'must not be before startedAt', {
      startedAt: startedAt.toISOString(),
    });
  }
  if (input.effectiveAt && input.effectiveAt < startedAt) {
    throw invalidInput(`${field}.effectiveAt`, 'must not be before startedAt', {
      startedAt: startedAt.toISOString(),
    });
  }
  return state;
}

/**
 * endedAt as given (null reopens); left out: a cancellation ends the subscription when it was
 * canceled, another status given explicitly reopens it, and otherwise the stored end stays.
 */
function nextEndedAt(
  input: ValidSubscriptionInput,
  previous: StoredSubscription | null,
  statusCode: string,
  effectiveAt: Date,
): Date | null {
  if (input.endedAt !== undefined && input.endedAt !== null) return input.endedAt;
  if (statusCode === 'CANCELED') {
    if (input.endedAt === undefined && previous?.endedAt) return previous.endedAt;
    return input.canceledAt ?? effectiveAt;
  }
  if (input.endedAt === null || input.status !== undefined) return null;
  return previous?.endedAt ?? null;
}
