import {
  Arg,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  ObjectType,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { invalidInput } from '../../shared/errors';
import { Account } from '../account/account.entity';
import { GraphQLJSON } from '../shared/scalars';
import { User } from '../user/user.entity';
import { EventDefinition } from './event-definition.entity';
import type { RecentEventRow } from './recent-events.loader';

/** Most recent events `Account.recentEvents` returns per account. */
export const RECENT_EVENTS_MAX = 100;

@ObjectType({
  description: 'One product event as it was stored (an entry of Account.recentEvents).',
})
export class AccountEvent {
  @Field(() => ID, { description: 'Stable id of the stored event.' })
  id: string;

  @Field({ description: 'The Segment call that stored it: track, page, screen.' })
  type: string;

  @Field({ description: "The event's name: its definition's current key." })
  event: string;

  @Field({ description: 'When it happened (the client clock, corrected for skew).' })
  occurredAt: Date;

  @Field({ description: 'When Harmony received it.' })
  receivedAt: Date;

  @Field({ description: 'The messageId it was deduplicated by.' })
  messageId: string;

  @Field(() => GraphQLJSON, { description: 'The properties sent with it.' })
  properties: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'The anonymous id, when no user was known.' })
  anonymousId: string | null;

  definitionId: string;
  userId: string | null;
}

/** `Account.recentEvents`: the raw events behind an account's activity, newest first. */
@Resolver(() => Account)
export class AccountRecentEventsResolver {
  @Authorized('read')
  @FieldResolver(() => [AccountEvent], {
    description:
      `The account's most recent events, newest first (by occurredAt, then id), at most ` +
      `${RECENT_EVENTS_MAX}. For counts over a window use eventCounts or a metric.`,
  })
  async recentEvents(
    @Root() account: Account,
    @Arg('first', () => Int, {
      defaultValue: 20,
      description: `How many, 1 to ${RECENT_EVENTS_MAX} (default 20).`,
    })
    first: number,
    @Ctx() { loaders }: RequestContext,
  ): Promise<AccountEvent[]> {
    if (!Number.isInteger(first) || first < 1 || first > RECENT_EVENTS_MAX) {
      throw invalidInput('first', `expected 1 to ${RECENT_EVENTS_MAX}, got ${first}`);
    }
    const rows = await loaders.recentEventsByAccountId(first).load(account.id);
    return rows.map(toAccountEvent);
  }
}

/** An event's definition and user, batched per request. */
@Resolver(() => AccountEvent)
export class AccountEventResolver {
  @FieldResolver(() => EventDefinition, { description: 'The definition the event belongs to.' })
  async definition(
    @Root() event: AccountEvent,
    @Ctx() { loaders }: RequestContext,
  ): Promise<EventDefinition | null> {
    return loaders.eventDefinitionById.load(event.definitionId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The user who sent it, if known.' })
  async user(
    @Root() event: AccountEvent,
    @Ctx() { loaders }: RequestContext,
  ): Promise<User | null> {
    return event.userId ? loaders.userById.load(event.userId) : null;
  }
}

function toAccountEvent(row: RecentEventRow): AccountEvent {
  return Object.assign(new AccountEvent(), {
    id: row.id,
    type: row.type,
    event: row.event,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    messageId: row.message_id,
    properties: row.properties,
    anonymousId: row.anonymous_id,
    definitionId: row.definition_id,
    userId: row.user_id,
  });
}
