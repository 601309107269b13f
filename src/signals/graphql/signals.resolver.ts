import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { Account } from '../../domain/account/account.entity';
import { AccountConnection } from '../../domain/account/account.resolver';
import { Plan } from '../../domain/plan/plan.entity';
import { decodeCursor, encodeCursor } from '../../domain/shared/connection';
import type { RecordedChange } from '../change-feed';
import type { StoredSegment } from '../segments/segment-store';
import type { AccountViewRow } from '../signals.service';
import {
  AccountView,
  AccountViewChange,
  AccountViewChangeConnection,
  AccountViewConnection,
  ChangeCauseEnum,
  DefineSegmentInput,
  SegmentMembershipChange,
  SegmentMembershipChangeConnection,
  SegmentType,
  SegmentVersionType,
} from './signals.types';

const FirstArg = (defaultValue = 25) =>
  Arg('first', () => Int, {
    defaultValue,
    description: 'Page size, 1 to the server maximum (100 by default).',
  });
const AfterChangeArg = () =>
  Arg('after', () => String, {
    nullable: true,
    description: 'A change cursor (seq or endCursor) from an earlier page; none for the start.',
  });

@Resolver(() => AccountView)
export class AccountViewResolver {
  @Authorized('read')
  @Query(() => AccountViewConnection, {
    description:
      'Account views in change order: a view is listed at its latest change, so a sync job that stores endCursor and asks again with after: gets every view that changed since, once, never missing one.',
  })
  async accountViews(
    @FirstArg() first: number,
    @AfterChangeArg() after: string | null,
    @Arg('updatedSince', () => Date, {
      nullable: true,
      description: 'Only views that changed at or after this time.',
    })
    updatedSince: Date | null,
    @Ctx() { services }: RequestContext,
  ) {
    const page = await services.signals.views({ first, after, updatedSince });
    return connectionOf(page.items.map(toView), page.hasNextPage, (v) => v.changeSeq);
  }

  @Authorized('read')
  @Query(() => AccountViewChangeConnection, {
    description:
      'Every change of every account view, in commit order, with the fields that changed (old and new) and the cause. The cursor never skips nor repeats a change.',
  })
  async accountViewChanges(
    @AfterChangeArg() after: string | null,
    @FirstArg(100) first: number,
    @Ctx() { services }: RequestContext,
  ) {
    const page = await services.signals.changes({ topic: 'account_view', first, after });
    return connectionOf(page.items.map(toViewChange), page.hasNextPage, (c) => c.seq);
  }

  @FieldResolver(() => Account, { description: 'The account.' })
  account(@Root() view: AccountView, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(view.accountId);
  }

  @FieldResolver(() => Plan, { nullable: true, description: 'Current plan.' })
  plan(@Root() view: AccountView, @Ctx() { loaders }: RequestContext) {
    return view.planCode ? loaders.planByCode.load(view.planCode) : null;
  }
}

@Resolver(() => AccountViewChange)
export class AccountViewChangeResolver {
  @FieldResolver(() => Account, { nullable: true, description: 'The account whose view changed.' })
  account(@Root() change: AccountViewChange, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(change.accountId);
  }
}

@Resolver(() => SegmentMembershipChange)
export class SegmentMembershipChangeResolver {
  @FieldResolver(() => Account, { nullable: true, description: 'The account.' })
  account(@Root() change: SegmentMembershipChange, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(change.accountId);
  }
}

@Resolver(() => SegmentType)
export class SegmentResolver {
  @Authorized('read')
  @Query(() => [SegmentType], { description: 'Every segment, by name.' })
  async segments(@Ctx() { services }: RequestContext) {
    return (await services.signals.list()).map(toSegment);
  }

  @Authorized('read')
  @Query(() => SegmentType, { nullable: true, description: 'One segment by name.' })
  async segment(
    @Arg('name', { description: 'The segment name.' }) name: string,
    @Ctx() { services }: RequestContext,
  ) {
    const found = (await services.signals.list()).find((s) => s.name === name);
    return found ? toSegment(found) : null;
  }

  @Authorized('read')
  @Query(() => SegmentMembershipChangeConnection, {
    description: "A segment's entries and exits in commit order (change-feed cursor).",
  })
  async segmentMembershipChanges(
    @Arg('segment', { description: 'The segment name.' }) segment: string,
    @AfterChangeArg() after: string | null,
    @FirstArg(100) first: number,
    @Ctx() { services }: RequestContext,
  ) {
    await services.signals.segment(segment);
    const page = await services.signals.changes({
      topic: 'segment_membership',
      subject: segment,
      first,
      after,
    });
    return connectionOf(page.items.map(toMembershipChange), page.hasNextPage, (c) => c.seq);
  }

  @Authorized('admin')
  @Mutation(() => SegmentType, {
    description:
      'Creates or changes a segment; a change makes a new version recording who, when and why, and every account is re-evaluated.',
  })
  async defineSegment(
    @Arg('input', { description: 'The definition (object or YAML).' }) input: DefineSegmentInput,
    @Arg('reason', { description: 'Why it changes (kept with the version).' }) reason: string,
    @Ctx() { services, principal }: RequestContext,
  ) {
    return toSegment(await services.signals.define(input, reason, principal.name));
  }

  @FieldResolver(() => [SegmentVersionType], { description: 'Every version, oldest first.' })
  versions(@Root() segment: SegmentType, @Ctx() { services }: RequestContext) {
    return services.signals.segments.versions(segment.name);
  }

  @FieldResolver(() => Int, { description: 'Accounts in the segment now.' })
  size(@Root() segment: SegmentType, @Ctx() { services }: RequestContext) {
    return services.signals.size(segment.name);
  }

  @FieldResolver(() => AccountConnection, { description: 'Member accounts, in account id order.' })
  async members(
    @Root() segment: SegmentType,
    @FirstArg() first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'The endCursor of the previous page.',
    })
    after: string | null,
    @Ctx() { services, loaders }: RequestContext,
  ) {
    const page = await services.signals.memberIds(
      segment.name,
      first,
      after ? decodeCursor(after) : null,
    );
    const accounts = await Promise.all(page.items.map((id) => loaders.accountById.load(id)));
    return connectionOf(
      accounts.filter((a): a is Account => a !== null),
      page.hasNextPage,
      (a) => encodeCursor(a.id),
    );
  }
}

@Resolver(() => Account)
export class AccountSegmentsResolver {
  @FieldResolver(() => [String], { description: 'Names of the segments the account is in.' })
  segments(@Root() account: Account, @Ctx() { loaders }: RequestContext) {
    return loaders.segmentsByAccountId.load(account.id);
  }
}

function connectionOf<T>(items: T[], hasNextPage: boolean, cursorOf: (item: T) => string) {
  const edges = items.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

function toView(row: AccountViewRow): AccountView {
  return Object.assign(new AccountView(), {
    accountId: row.account_id,
    planCode: row.plan_code,
    mrr: row.mrr_minor === null ? null : Number(row.mrr_minor) / 100,
    currency: row.currency,
    seats: row.seats,
    activeUsers30d: row.active_users_30d,
    lastSeenAt: row.last_seen_at,
    healthScore: row.health_score === null ? null : Number(row.health_score),
    pqlScore: row.pql_score === null ? null : Number(row.pql_score),
    segments: row.segments,
    lifetimeRevenue:
      row.lifetime_revenue_minor === null ? null : Number(row.lifetime_revenue_minor) / 100,
    isTest: row.is_test,
    isDeleted: row.is_deleted,
    updatedAt: row.updated_at,
    changeSeq: row.change_seq,
  });
}

function causeOf(cause: string): ChangeCauseEnum {
  return cause in ChangeCauseEnum ? (cause as ChangeCauseEnum) : ChangeCauseEnum.UPSERT;
}

function toViewChange(change: RecordedChange): AccountViewChange {
  return Object.assign(new AccountViewChange(), {
    accountId: change.accountId,
    seq: change.seq,
    cause: causeOf(change.cause),
    changes: Object.entries(change.changes).map(([field, c]) => ({
      field,
      old: c.old,
      new: c.new,
    })),
    recordedAt: change.recordedAt,
  });
}

function toMembershipChange(change: RecordedChange): SegmentMembershipChange {
  return Object.assign(new SegmentMembershipChange(), {
    accountId: change.accountId,
    seq: change.seq,
    segment: change.subject,
    entered: change.changes.member?.new === true,
    cause: causeOf(change.cause),
    recordedAt: change.recordedAt,
  });
}

function toSegment(stored: StoredSegment): SegmentType {
  return Object.assign(new SegmentType(), {
    name: stored.name,
    label: stored.definition.label ?? null,
    description: stored.definition.description ?? null,
    owner: stored.definition.owner ?? null,
    definition: stored.definition,
    version: stored.version,
    updatedAt: stored.updatedAt,
  });
}
