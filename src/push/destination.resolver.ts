import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
} from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import { PageArgs } from '../domain/shared/connection';
import {
  Delivery,
  DeliveryConnection,
  DeliveryStatusEnum,
  Destination,
  DestinationSecretPayload,
  UpsertDestinationInput,
  type DeliveryStatus,
} from './destination.types';

@ArgsType()
class DeliveriesArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Only this destination’s deliveries.' })
  destination?: string | null;

  @Field(() => DeliveryStatusEnum, {
    nullable: true,
    description: 'Only deliveries in this status.',
  })
  status?: DeliveryStatus | null;
}

/** Destinations and the delivery ledger: admin scope throughout (secrets, payloads). */
@Resolver()
export class DestinationResolver {
  @Authorized('admin')
  @Query(() => [Destination], { description: 'Every destination, oldest first (at most 1,000).' })
  destinations(@Ctx() { services }: RequestContext) {
    return services.push.destinations.list();
  }

  @Authorized('admin')
  @Mutation(() => DestinationSecretPayload, {
    description:
      'Creates a destination, or changes the one with this name. A created destination without a given secret gets one, returned here only.',
  })
  upsertDestination(
    @Arg('input', () => UpsertDestinationInput, {
      description:
        'The destination, identified by its name (an existing name changes that destination).',
    })
    input: UpsertDestinationInput,
    @Ctx() { services }: RequestContext,
  ) {
    return services.push.destinations.upsert(input);
  }

  @Authorized('admin')
  @Mutation(() => DestinationSecretPayload, {
    description:
      'Generates a new secret, returned here only; the previous one keeps signing (both signatures are sent) for 24 hours.',
  })
  rotateDestinationSecret(
    @Arg('id', () => ID, { description: 'The destination.' }) id: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.push.destinations.rotateSecret(id);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, {
    description:
      'Deletes a destination with its waiting changes and ledger; false when none had the id.',
  })
  deleteDestination(
    @Arg('id', () => ID, { description: 'The destination.' }) id: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.push.destinations.delete(id);
  }

  @Authorized('admin')
  @Query(() => DeliveryConnection, {
    description: 'The delivery ledger, newest first: payload, attempts, errors and latency.',
  })
  deliveries(
    @Args(() => DeliveriesArgs) args: DeliveriesArgs,
    @Ctx() { services }: RequestContext,
  ) {
    return services.push.deliveries(args, services.config.maxPageSize);
  }

  @Authorized('admin')
  @Mutation(() => Delivery, {
    description:
      'Sends a delivery again with the same webhook-id and body (receivers can drop it as a duplicate).',
  })
  replayDelivery(
    @Arg('id', () => ID, { description: 'The delivery.' }) id: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.push.replayDelivery(id);
  }

  @Authorized('admin')
  @Mutation(() => Int, {
    description:
      'Sends again, in order and with their webhook-ids, the destination’s deliveries created since `since` (at most 10,000); returns how many.',
  })
  replayDeliveries(
    @Arg('destination', () => ID, { description: 'The destination.' }) destination: string,
    @Arg('since', () => GraphQLISODateTime, { description: 'Deliveries created at or after this.' })
    since: Date,
    @Ctx() { services }: RequestContext,
  ) {
    return services.push.replayDeliveries(destination, since);
  }
}
