import { Arg, Authorized, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import {
  AccountViewChange,
  SegmentMembershipChange,
  toMembershipChange,
  toViewChange,
} from '../signals';
import { THRESHOLD_TOPIC, ThresholdCrossingType, toThresholdCrossing } from '../signals/thresholds';
import { invalidInput, notFound } from '../shared/errors';
import { mapAsyncIterator } from './map-iterator';

const AFTER_DESCRIPTION =
  'Resume after this change cursor (the `seq` of the last change received): every later ' +
  'change is sent exactly once, in commit order, before the live ones. None: changes from now on.';

/** Subscriptions over the change feed (src/signals/change-feed.ts), resumable by cursor. */
@Resolver()
export class ChangeFeedSubscriptionResolver {
  @Authorized('read')
  @Subscription(() => AccountViewChange, {
    description:
      'Every change of every account view as it is recorded: the fields that changed (old and ' +
      'new) and the cause, in commit order. Store the `seq` of each change received; ' +
      'subscribing again with `after: <seq>` sends what was missed meanwhile, exactly once, then ' +
      'goes on live. Needs the `read` scope.',
    subscribe: ({ args, context }) =>
      mapAsyncIterator(
        (context as RequestContext).services.live.feedChanges(
          { topic: 'account_view' },
          args.after,
        ),
        toViewChange,
      ),
  })
  accountViewChanged(
    @Root() change: AccountViewChange,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION })
    _after?: string | null,
  ): AccountViewChange {
    return change;
  }

  @Authorized('read')
  @Subscription(() => SegmentMembershipChange, {
    description:
      "A segment's entries and exits as they are recorded, in commit order; resumable with " +
      '`after` like accountViewChanged. An unknown segment fails with NOT_FOUND. Needs the ' +
      '`read` scope.',
    subscribe: async ({ args, context }) => {
      const { services } = context as RequestContext;
      await services.signals.segment(args.segment);
      return mapAsyncIterator(
        services.live.feedChanges(
          { topic: 'segment_membership', subject: args.segment },
          args.after,
        ),
        toMembershipChange,
      );
    },
  })
  segmentMembershipChanged(
    @Root() change: SegmentMembershipChange,
    @Arg('segment', { description: 'The segment name (see `segments`).' }) _segment: string,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION })
    _after?: string | null,
  ): SegmentMembershipChange {
    return change;
  }

  @Authorized('read')
  @Subscription(() => ThresholdCrossingType, {
    description:
      "One account's signals as they are recorded: each threshold it enters or leaves (with " +
      'hysteresis, so a value hovering at a level does not flap), with the value that caused ' +
      'it, in commit order; resumable with `after` like accountViewChanged. An unknown account ' +
      'fails with NOT_FOUND. Needs the `read` scope.',
    subscribe: async ({ args, context }) => {
      const { services, loaders } = context as RequestContext;
      const accountId = String(args.accountId);
      if (!/^[1-9]\d{0,18}$/.test(accountId) || BigInt(accountId) > 9223372036854775807n)
        throw invalidInput('accountId', `expected an account id, got "${accountId}"`);
      if (!(await loaders.accountById.load(accountId))) throw notFound('account', accountId);
      return mapAsyncIterator(
        services.live.feedChanges({ topic: THRESHOLD_TOPIC, accountId }, args.after),
        toThresholdCrossing,
      );
    },
  })
  accountSignal(
    @Root() crossing: ThresholdCrossingType,
    @Arg('accountId', () => ID, { description: 'The account (its `id`).' }) _accountId: string,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION })
    _after?: string | null,
  ): ThresholdCrossingType {
    return crossing;
  }
}
