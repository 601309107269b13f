import type { DataSource } from 'typeorm';
import { ignoreWrites, type DataFamily, type WriteObserver } from '../shared/write-observer';
import { attributeAnonymousEvents } from './attribution';
import { DefinitionIds } from './definition-ids';
import { CombinedStatement } from './combined-statement';
import { addEntityWrites, type EntityChange } from './entity-updates';
import { recordAnonymousIds, upsertMemberships, type MembershipInput } from './identities';
import { EVENT_TYPES, type IngestMessage, type Rejection } from './ingest-message';
import { EntityCache, isStaleEntityCache } from './entity-cache';
import { GroupCommit } from './group-commit';
import { claimMessageIds } from './message-claims';
import { EventPartitions } from './partitions';
import { isRefusedData, refusedMessage } from './refused-data';
import { addRollupWrites, emptiedCountsStatement, RollupDeltas, type EventFact } from './rollups';
import { attributeToSoleAccount, soleAccountsLocked } from './sole-account';
import { copyRow, sqlOf, type Sql } from './sql';
import { isoTimestamp } from './utc-text';
import { transactionEndingWith, type CopyLoad, type TransactionWork } from './transaction';
import { accountChangeFromTraits, roleFromTrait, userChangeFromTraits } from './traits';
import { enqueueChangesStatement } from '../push/outbox';
import type { EventSubscriptions, StoredEvent } from '../push/event-subscriptions';
import type { PushChange } from '../push/outbox';

export type WriteResult = {
  stored: number;
  duplicates: number;
  /** Messages PostgreSQL refused (see `writeIsolatingRefused`); the others were written. */
  rejected: Rejection[];
};

export type IngestWriterOptions = {
  /** Messages waiting for a transaction beyond which requests get 503. Default 50,000. */
  maxQueuedMessages?: number;
  /** Told after each committed batch (the cache's generations). Default: nobody. */
  writes?: WriteObserver;
  /** Events some destination subscribes to are enqueued for push in the same transaction. */
  pushes?: Pick<EventSubscriptions, 'snapshot'>;
};

/** PostgreSQL errors worth retrying the whole batch for. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

/**
 * Stores validated messages in one transaction, set-based: a handful of multi-row statements per
 * batch whatever its size. Statements run in a fixed table order (message ids, new users and
 * accounts, memberships, anonymous ids, sole-account locks, attribution, events, rollups, user
 * and account updates) and lock rows in key order, so concurrent batches wait for each other instead of
 * deadlocking; a deadlock that still happens is retried.
 */
export class IngestWriter {
  private readonly definitions = new DefinitionIds();
  private readonly partitions: EventPartitions;
  private entityCache: EntityCache | null = null;

  private readonly groups: GroupCommit;
  private readonly writes: WriteObserver;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: IngestWriterOptions = {},
  ) {
    this.partitions = new EventPartitions(dataSource);
    this.writes = options.writes ?? ignoreWrites;
    this.groups = new GroupCommit(
      (messages, actor) => this.writeGroup(messages, actor),
      undefined,
      options.maxQueuedMessages,
    );
  }

  /** Messages waiting for a transaction (the group-commit queue). */
  get queuedMessages(): number {
    return this.groups.queued;
  }

  /**
   * Stores one request's messages. Requests arriving while a transaction is running are merged
   * into the next one (group commit): no lock waits between them, and one commit for many.
   */
  async write(messages: IngestMessage[], actor: string): Promise<WriteResult> {
    const unique = firstOfEachMessageId(messages);
    if (unique.length === 0) return { stored: 0, duplicates: messages.length, rejected: [] };
    const { stored, rejected } = await this.writeIsolatingRefused(unique, actor);
    return { stored, duplicates: messages.length - stored - rejected.length, rejected };
  }

  /**
   * Writes the messages; when PostgreSQL refuses a value in them (one validation did not
   * foresee), writes each half on its own, in order, until each refused message is alone and
   * rejected: the others are stored, and the client does not retry a poison batch forever.
   * k refused messages among n cost about 2·k·log2(n) extra transactions.
   */
  private async writeIsolatingRefused(
    messages: IngestMessage[],
    actor: string,
  ): Promise<{ stored: number; rejected: Rejection[] }> {
    try {
      return { stored: await this.groups.submit(messages, actor), rejected: [] };
    } catch (error) {
      if (!isRefusedData(error)) throw error;
      if (messages.length === 1)
        return { stored: 0, rejected: [refusedMessage(messages[0], error)] };
      const middle = Math.ceil(messages.length / 2);
      const first = await this.writeIsolatingRefused(messages.slice(0, middle), actor);
      const second = await this.writeIsolatingRefused(messages.slice(middle), actor);
      return {
        stored: first.stored + second.stored,
        rejected: [...first.rejected, ...second.rejected],
      };
    }
  }

  /** Writes a group of requests' messages in one transaction; returns the messageIds stored. */
  private async writeGroup(messages: IngestMessage[], actor: string): Promise<Set<string>> {
    await this.partitions.ensureFor(
      messages.filter((m) => EVENT_TYPES.has(m.type)).map((m) => m.occurredAt),
    );
    for (let attempt = 1; ; attempt++) {
      const cache = (this.entityCache ??= await EntityCache.open(this.autocommitted()));
      try {
        const entities = await this.ensureEntities(cache, messages);
        const pushesFor = (await this.options.pushes?.snapshot()) ?? (() => []);
        const { stored, learned, seen } = await transactionEndingWith(this.dataSource, (sql) =>
          this.writeInTransaction(sql, cache, messages, entities, actor, pushesFor),
        );
        this.definitions.remember(learned);
        cache.lastSeen.remember(seen);
        this.writes.committed(familiesWritten(messages));
        return stored;
      } catch (error) {
        if (isStaleEntityCache(error)) {
          if (this.entityCache === cache) this.entityCache = null;
          if (attempt < MAX_ATTEMPTS) continue;
        }
        const code = (error as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  /** The outbox insert for events destinations subscribe to (JIT off, one statement), or none. */
  private pushStatement(
    messages: IngestMessage[],
    facts: EventFact[],
    pushesFor: (events: StoredEvent[]) => PushChange[],
  ) {
    const changes = pushesFor(
      messages.map((m, i) => ({
        definitionId: facts[i].definitionId,
        event: m.event!,
        messageId: m.messageId,
        accountId: facts[i].accountId,
        userExternalId: m.userId,
        anonymousId: m.anonymousId,
        occurredAt: m.occurredAt,
        properties: m.properties,
      })),
    );
    return enqueueChangesStatement(changes);
  }

  /** Statements that each commit on their own, outside any batch's transaction. */
  private autocommitted(): Sql {
    return sqlOf(this.dataSource.manager);
  }

  /**
   * The users and accounts the messages name, created (bare, source `ingest`) when missing, each
   * creation committed on its own before the batch's transaction. Inside that transaction, a new
   * row's unique key would make every other batch naming the same user wait for the whole
   * transaction to commit; a bare row is identity, not data, so it may outlive a batch that
   * fails, and the client's retry reuses it.
   */
  private async ensureEntities(cache: EntityCache, messages: IngestMessage[]): Promise<EntityIds> {
    const sql = this.autocommitted();
    const userIds = await cache.ensureIds(
      sql,
      'users',
      messages.map((m) => m.userId),
    );
    const accountIds = await cache.ensureIds(
      sql,
      'accounts',
      messages.flatMap((m) => [m.type === 'group' ? m.groupId : null, m.contextGroupId]),
    );
    return { userIds, accountIds };
  }

  private async writeInTransaction(
    sql: Sql,
    cache: EntityCache,
    batch: IngestMessage[],
    { userIds, accountIds }: EntityIds,
    actor: string,
    pushesFor: (events: StoredEvent[]) => PushChange[],
  ): Promise<TransactionWork<GroupOutcome>> {
    const messages = await claimMessageIds(sql, batch);
    const stored = new Set(messages.map((m) => m.messageId));
    if (messages.length === 0)
      return { value: { stored, learned: new Map(), seen: emptySeen() }, last: [] };

    const joined = await upsertMemberships(sql, membershipsOf(messages, userIds, accountIds));
    const links = await recordAnonymousIds(sql, anonymousLinksOf(messages, userIds));
    // Only events without context.groupId (and newly attributed ones) need the sole account.
    const soleAccounts = await soleAccountsLocked(
      sql,
      [
        ...messages
          .filter((m) => m.userId && !m.contextGroupId && EVENT_TYPES.has(m.type))
          .map((m) => userIds.get(m.userId!)!),
        ...links.userByAnonymousId.values(),
      ],
      joined,
    );

    const deltas = new RollupDeltas();
    // Events stored before these users had an account get the one they joined now.
    const joinedAccount = await attributeToSoleAccount(sql, joined, deltas);
    const attributed = [
      ...joinedAccount.moved,
      ...(await attributeAnonymousEvents(sql, links.newlyLinked, soleAccounts, deltas)),
    ];

    const eventMessages = messages.filter((m) => EVENT_TYPES.has(m.type));
    const { ids: definitionIds, learned } = await this.definitions.resolve(
      sql,
      eventMessages.map((m) => m.event!),
      actor,
    );
    const facts: EventFact[] = eventMessages.map((m) => {
      const userId = m.userId
        ? userIds.get(m.userId)!
        : (links.userByAnonymousId.get(m.anonymousId!) ?? null);
      const accountId = m.contextGroupId
        ? accountIds.get(m.contextGroupId)!
        : userId
          ? (soleAccounts.get(userId) ?? null)
          : null;
      return {
        definitionId: definitionIds.get(m.event!)!,
        userId,
        accountId,
        occurredAt: m.occurredAt,
      };
    });
    for (const fact of facts) deltas.add(fact);

    const { users, accounts } = entityChangesOf(messages, userIds, accountIds);
    for (const fact of [...facts, ...attributed]) {
      if (fact.userId) seen(users, fact.userId, fact.occurredAt);
      if (fact.accountId) seen(accounts, fact.accountId, fact.occurredAt);
    }
    const seenTimes = { users: seenTimesOf(users), accounts: seenTimesOf(accounts) };
    // Last, sent with the COMMIT: rollup, user and account rows are the contended locks, so
    // they are taken at the very end and held only until the commit.
    const final = new CombinedStatement();
    addRollupWrites(final, deltas);
    addEntityWrites(final, 'users', cache.lastSeen.dropKnown('users', users));
    addEntityWrites(final, 'accounts', cache.lastSeen.dropKnown('accounts', accounts));
    const last = [
      cache.epochCheck(),
      final.text(),
      emptiedCountsStatement(deltas),
      joinedAccount.emptiedActivity,
      this.pushStatement(eventMessages, facts, pushesFor),
    ].filter((s) => s !== null);
    const copy = eventsCopy(eventMessages, facts);
    return { value: { stored, learned, seen: seenTimes }, copy, last };
  }
}

/** Within one request a repeated messageId counts once: the first occurrence wins. */
function firstOfEachMessageId(messages: IngestMessage[]): IngestMessage[] {
  const seenIds = new Set<string>();
  return messages.filter((m) => !seenIds.has(m.messageId) && seenIds.add(m.messageId));
}

function membershipsOf(
  messages: IngestMessage[],
  userIds: Map<string, string>,
  accountIds: Map<string, string>,
): MembershipInput[] {
  const memberships: MembershipInput[] = [];
  for (const m of messages) {
    if (!m.userId) continue;
    const userId = userIds.get(m.userId)!;
    if (m.type === 'group') {
      memberships.push({ accountId: accountIds.get(m.groupId!)!, userId, role: null });
    } else if (m.type === 'identify' && m.contextGroupId) {
      const role = roleFromTrait(m.traits.role);
      memberships.push({ accountId: accountIds.get(m.contextGroupId)!, userId, role });
    }
  }
  return memberships;
}

/** Anonymous id → the user a message links it to (null when the message has no user). */
function anonymousLinksOf(
  messages: IngestMessage[],
  userIds: Map<string, string>,
): Map<string, string | null> {
  const links = new Map<string, string | null>();
  const note = (anonymousId: string, userId: string | null) => {
    if (!links.get(anonymousId)) links.set(anonymousId, userId);
  };
  for (const m of messages) {
    const userId = m.userId ? userIds.get(m.userId)! : null;
    if (m.anonymousId) note(m.anonymousId, userId);
    if (m.type === 'alias' && m.previousId) note(m.previousId, userId);
  }
  return links;
}

/** Traits from identify and group calls, merged in message order per user and account. */
function entityChangesOf(
  messages: IngestMessage[],
  userIds: Map<string, string>,
  accountIds: Map<string, string>,
) {
  const users = new Map<string, EntityChange>();
  const accounts = new Map<string, EntityChange>();
  const merge = (target: Map<string, EntityChange>, id: string, change: EntityChange) => {
    const earlier = target.get(id) ?? { columns: {} };
    target.set(id, {
      columns: { ...earlier.columns, ...change.columns },
      traits: { ...earlier.traits, ...change.traits },
      seenAt: earlier.seenAt,
    });
  };
  for (const m of messages) {
    if (m.type === 'identify' && m.userId) {
      const change = userChangeFromTraits(m.traits);
      if (m.contextGroupId && roleFromTrait(m.traits.role)) delete change.traits?.role;
      merge(users, userIds.get(m.userId)!, change);
    }
    if (m.type === 'group')
      merge(accounts, accountIds.get(m.groupId!)!, accountChangeFromTraits(m.traits));
  }
  return { users, accounts };
}

/** External id → id, for the users and for the accounts a group of messages names. */
type EntityIds = { userIds: Map<string, string>; accountIds: Map<string, string> };

type SeenTimes = { users: Map<string, Date>; accounts: Map<string, Date> };

/** A committed group: the messageIds it stored, event names learned, last-seen times written. */
type GroupOutcome = { stored: Set<string>; learned: Map<string, string>; seen: SeenTimes };

function emptySeen(): SeenTimes {
  return { users: new Map(), accounts: new Map() };
}

function seenTimesOf(changes: Map<string, EntityChange>): Map<string, Date> {
  const times = new Map<string, Date>();
  for (const [id, change] of changes) if (change.seenAt) times.set(id, change.seenAt);
  return times;
}

function seen(target: Map<string, EntityChange>, id: string, at: Date): void {
  const change = target.get(id);
  if (!change) target.set(id, { columns: {}, seenAt: at });
  else if (!change.seenAt || change.seenAt < at) change.seenAt = at;
}

const EVENT_COLUMNS = `definition_id, type, user_id, anonymous_id, account_id, occurred_at,
  received_at, message_id, properties, context`;

/**
 * Every event of the batch as one COPY: PostgreSQL's cheapest way in (no array parameters to
 * parse), and cheaper for Node to encode than ten parameter arrays.
 */
function eventsCopy(messages: IngestMessage[], facts: EventFact[]): CopyLoad | null {
  if (messages.length === 0) return null;
  const lines: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const f = facts[i];
    lines.push(
      copyRow([
        f.definitionId,
        m.type,
        f.userId,
        m.anonymousId,
        f.accountId,
        isoTimestamp(f.occurredAt),
        isoTimestamp(m.receivedAt),
        m.messageId,
        JSON.stringify(m.properties),
        JSON.stringify(m.context),
      ]),
    );
  }
  return { statement: `COPY events (${EVENT_COLUMNS}) FROM STDIN`, data: lines.join('') };
}

/**
 * What a committed batch changed, for the cache: events (tracks, pages, screens), and the
 * entity family when it held identify, group or alias calls (traits, memberships).
 */
function familiesWritten(messages: IngestMessage[]): DataFamily[] {
  const families: DataFamily[] = [];
  if (messages.some((m) => EVENT_TYPES.has(m.type))) families.push('events');
  if (messages.some((m) => !EVENT_TYPES.has(m.type))) families.push('accounts');
  return families;
}
