import { GraphQLISODateTime } from 'type-graphql';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../domain/shared/connection';
import { GraphQLJSON } from '../domain/shared/scalars';
import { DESTINATION_KINDS, PUSH_TIERS, SUBSCRIPTION_KINDS } from './destination-kinds';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const DestinationKindEnum = enumOf(DESTINATION_KINDS);
registerEnumType(DestinationKindEnum, {
  name: 'DestinationKind',
  description: 'What receives the pushes, which sets the request shape, batch size and budget.',
  valuesConfig: {
    WEBHOOK: { description: 'Any HTTPS endpoint: one Standard Webhooks message per change.' },
    SLACK: { description: 'A Slack incoming webhook: readable lines, 1 message per second.' },
    HUBSPOT: { description: 'HubSpot batch upsert shape: up to 100 records per call.' },
    SALESFORCE: { description: 'Salesforce composite upsert by external id: up to 200 records.' },
  },
});

export const PushTierEnum = enumOf(PUSH_TIERS);
registerEnumType(PushTierEnum, {
  name: 'PushTier',
  description: 'How soon changes reach a destination.',
  valuesConfig: {
    REALTIME: { description: 'Each change within a second of its commit.' },
    NEAR_REALTIME: { description: 'What changed in the last minute, as one diff.' },
    HOURLY: { description: 'What changed since the last successful push, hourly.' },
    DAILY: { description: 'What changed since the last successful push, daily.' },
  },
});

export const SubscriptionKindEnum = enumOf(SUBSCRIPTION_KINDS);
registerEnumType(SubscriptionKindEnum, {
  name: 'DestinationSubscriptionKind',
  description: 'The kind of change a destination subscribes to.',
  valuesConfig: {
    EVENT: { description: 'Events of one definition (by key or id), e.g. demo_requested.' },
    SEGMENT: { description: 'Accounts entering and leaving a segment.' },
    THRESHOLD: { description: 'Crossings of a metric threshold.' },
    ACCOUNT_VIEW: { description: 'Changes to account views, optionally only some fields.' },
  },
});

export const DeliveryStatusEnum = enumOf(['PENDING', 'DELIVERED', 'DEAD'] as const);
export type DeliveryStatus = keyof typeof DeliveryStatusEnum;
registerEnumType(DeliveryStatusEnum, {
  name: 'DeliveryStatus',
  description: 'Where a delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not yet accepted by the destination; attempted or waiting.' },
    DELIVERED: { description: 'The destination answered 2xx.' },
    DEAD: { description: 'Every scheduled attempt failed (dead-lettered); replayable.' },
  },
});

@InputType({ description: 'A request budget: at most `requests` per `seconds`.' })
export class RateLimitInput {
  @Field(() => Int, { description: 'Requests allowed per period, at least 1.' })
  requests: number;

  @Field(() => Int, { description: 'The period in seconds, at least 1.' })
  seconds: number;
}

@ObjectType({ description: 'A request budget: at most `requests` per `seconds`.' })
export class RateLimit {
  @Field(() => Int, { description: 'Requests allowed per period.' })
  requests: number;

  @Field(() => Int, { description: 'The period in seconds.' })
  seconds: number;
}

@InputType({ description: 'One thing a destination subscribes to.' })
export class DestinationSubscriptionInput {
  @Field(() => SubscriptionKindEnum, { description: 'The kind of change.' })
  kind: keyof typeof SubscriptionKindEnum;

  @Field(() => String, {
    nullable: true,
    description: 'EVENT: the event definition, by key (any name it ever had) or id.',
  })
  event?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'SEGMENT: the segment whose entries and exits are pushed. Other kinds: only changes of accounts in this segment.',
  })
  segment?: string | null;

  @Field(() => String, { nullable: true, description: 'THRESHOLD: the threshold by name.' })
  threshold?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'ACCOUNT_VIEW: only changes to these fields (all fields when left out).',
  })
  fields?: string[] | null;
}

@ObjectType({ description: 'One thing a destination subscribes to.' })
export class DestinationSubscription {
  @Field(() => SubscriptionKindEnum, { description: 'The kind of change.' })
  kind: keyof typeof SubscriptionKindEnum;

  @Field(() => String, { nullable: true, description: 'EVENT: the event key as given.' })
  event: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'EVENT: the id of the event definition, when it exists.',
  })
  eventDefinitionId: string | null;

  @Field(() => String, { nullable: true, description: 'The segment (see the input).' })
  segment: string | null;

  @Field(() => String, { nullable: true, description: 'THRESHOLD: the threshold by name.' })
  threshold: string | null;

  @Field(() => [String], { nullable: true, description: 'ACCOUNT_VIEW: the fields pushed.' })
  fields: string[] | null;
}

@InputType({ description: 'A destination, created or changed by its name.' })
export class UpsertDestinationInput {
  @Field({ description: 'Unique name; upserting an existing name changes that destination.' })
  name: string;

  @Field(() => DestinationKindEnum, { description: 'What receives the pushes.' })
  kind: keyof typeof DestinationKindEnum;

  @Field({ description: 'http or https URL the pushes are POSTed to.' })
  url: string;

  @Field(() => PushTierEnum, { description: 'How soon changes are pushed.' })
  tier: keyof typeof PushTierEnum;

  @Field(() => [DestinationSubscriptionInput], {
    description: 'What the destination receives; at most 100 entries.',
  })
  subscriptions: DestinationSubscriptionInput[];

  @Field(() => String, {
    nullable: true,
    description:
      'A signing secret (`whsec_` + base64 of 24 to 64 bytes); generated and returned once when left out on creation.',
  })
  secret?: string | null;

  @Field(() => RateLimitInput, {
    nullable: true,
    description: "Request budget; the kind's documented default when left out.",
  })
  rateLimit?: RateLimitInput | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether pushes are delivered; true on creation. Re-enabling clears the failure.',
  })
  enabled?: boolean | null;
}

@ObjectType({ description: 'Where changes are pushed: a webhook, Slack channel or CRM.' })
export class Destination {
  @Field(() => ID, { description: 'Stable id.' })
  id: string;

  @Field({ description: 'Unique name.' })
  name: string;

  @Field(() => DestinationKindEnum, { description: 'What receives the pushes.' })
  kind: keyof typeof DestinationKindEnum;

  @Field({ description: 'The URL pushes are sent to.' })
  url: string;

  @Field(() => PushTierEnum, { description: 'How soon changes are pushed.' })
  tier: keyof typeof PushTierEnum;

  @Field(() => [DestinationSubscription], { description: 'What the destination receives.' })
  subscriptions: DestinationSubscription[];

  @Field(() => RateLimit, {
    nullable: true,
    description: 'The request budget in force (set, or the kind default); null = none.',
  })
  rateLimit: RateLimit | null;

  @Field({ description: 'Whether pushes are delivered.' })
  enabled: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why the destination was disabled (410 Gone, failing for days), when it was.',
  })
  disabledReason: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was disabled.' })
  disabledAt: Date | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Since when every attempt has failed; null while deliveries succeed.',
  })
  failingSince: Date | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Until when the previous secret still signs, after a rotation.',
  })
  previousSecretExpiresAt: Date | null;

  @Field(() => GraphQLISODateTime, { description: 'Creation time.' })
  createdAt: Date;

  @Field(() => GraphQLISODateTime, { description: 'Last change.' })
  updatedAt: Date;
}

@ObjectType({ description: 'The destination, and its secret when this call generated one.' })
export class DestinationSecretPayload {
  @Field(() => Destination, { description: 'The destination as stored.' })
  destination: Destination;

  @Field(() => String, {
    nullable: true,
    description:
      'The signing secret, shown only by the call that generated it (creation, rotation); store it now.',
  })
  secret: string | null;
}

@ObjectType({ description: 'One attempt to deliver.' })
export class DeliveryAttempt {
  @Field(() => GraphQLISODateTime, { description: 'When the request was sent.' })
  at: Date;

  @Field(() => Int, { nullable: true, description: 'HTTP status; null when none came back.' })
  statusCode: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong; null on success.' })
  error: string | null;

  @Field(() => Int, { description: 'How long the request took, in ms.' })
  durationMs: number;
}

@ObjectType({ description: 'One request to a destination (one change, or a batch of them).' })
export class Delivery {
  @Field(() => ID, { description: 'Stable id; give it to replayDelivery.' })
  id: string;

  @Field(() => ID, { description: 'The destination.' })
  destinationId: string;

  @Field({ description: 'The webhook-id header, the same on every retry and replay.' })
  webhookId: string;

  @Field({ description: 'Built from what changed; stable across retries and replays.' })
  idempotencyKey: string;

  @Field({ description: 'The message type, e.g. event.tracked.' })
  type: string;

  @Field(() => DeliveryStatusEnum, { description: 'Where the delivery stands.' })
  status: DeliveryStatus;

  @Field(() => GraphQLJSON, { description: 'The body sent, as JSON.' })
  payload: Record<string, unknown>;

  @Field(() => Int, { description: 'Changes carried by this request.' })
  changeCount: number;

  @Field(() => [DeliveryAttempt], { description: 'Every attempt, oldest first.' })
  attempts: DeliveryAttempt[];

  @Field(() => String, { nullable: true, description: 'The last attempt’s error.' })
  lastError: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When the next attempt is due; null once delivered or dead.',
  })
  nextAttemptAt: Date | null;

  @Field(() => GraphQLISODateTime, { description: 'Commit time of the change that caused it.' })
  causedAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was accepted.' })
  deliveredAt: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Milliseconds from the triggering commit to the successful delivery.',
  })
  latencyMs: number | null;
}

export const DeliveryConnection = ConnectionType(Delivery, 'Delivery');
