import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../server/graphql/context';
import { Account } from '../account/account.entity';
import { ConnectionType } from '../shared/connection';
import { Membership, MembershipRole } from './membership.entity';
import { User } from './user.entity';
import { UpsertMembershipInput, UpsertUserInput, UserLookupArgs, UsersArgs } from './user.inputs';

export const UserConnection = ConnectionType(User, 'User');

@Resolver(() => User)
export class UserResolver {
  @Authorized('read')
  @Query(() => User, { nullable: true, description: 'One user by id or externalId.' })
  user(@Args() lookup: UserLookupArgs, @Ctx() { services }: RequestContext) {
    return services.users.find(lookup);
  }

  @Authorized('read')
  @Query(() => UserConnection, { description: 'Users in a stable order (oldest first).' })
  users(@Args() args: UsersArgs, @Ctx() { services }: RequestContext) {
    return services.users.list(args);
  }

  @Authorized('read')
  @Query(() => [MembershipRole], { description: 'The roles a membership can have.' })
  membershipRoles(@Ctx() { services }: RequestContext) {
    return services.dataSource.getRepository(MembershipRole).find({ order: { code: 'ASC' } });
  }

  @Authorized('sync')
  @Mutation(() => User, { description: 'Creates or updates one user keyed by externalId.' })
  async upsertUser(@Arg('input') input: UpsertUserInput, @Ctx() { services }: RequestContext) {
    const [user] = await services.users.upsertMany([input]);
    return user;
  }

  @Authorized('sync')
  @Mutation(() => [User], { description: 'Upserts up to 1,000 users in one transaction.' })
  upsertUsers(
    @Arg('inputs', () => [UpsertUserInput]) inputs: UpsertUserInput[],
    @Ctx() { services }: RequestContext,
  ) {
    return services.users.upsertMany(inputs);
  }

  @Authorized('sync')
  @Mutation(() => User, { description: 'Soft-deletes a user.' })
  deleteUser(@Arg('externalId') externalId: string, @Ctx() { services }: RequestContext) {
    return services.users.softDelete(externalId);
  }

  @Authorized('sync')
  @Mutation(() => Membership, {
    description: 'Puts a user in an account with a role (idempotent).',
  })
  async upsertMembership(
    @Arg('input') input: UpsertMembershipInput,
    @Ctx() { services }: RequestContext,
  ) {
    const [membership] = await services.users.upsertMemberships([input]);
    return membership;
  }

  @Authorized('sync')
  @Mutation(() => [Membership], {
    description: 'Upserts up to 1,000 memberships in one transaction.',
  })
  upsertMemberships(
    @Arg('inputs', () => [UpsertMembershipInput]) inputs: UpsertMembershipInput[],
    @Ctx() { services }: RequestContext,
  ) {
    return services.users.upsertMemberships(inputs);
  }

  @FieldResolver(() => [Account], { description: 'Accounts the user belongs to.' })
  async accounts(@Root() user: User, @Ctx() { loaders }: RequestContext) {
    const rows = await loaders.accountsByUserId.load(user.id);
    return rows.map((row) => row.account);
  }

  @FieldResolver(() => [Membership])
  memberships(@Root() user: User, @Ctx() { loaders }: RequestContext) {
    return loaders.membershipsByUserId.load(user.id);
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Account, { nullable: true })
  account(@Root() membership: Membership, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(membership.accountId);
  }

  @FieldResolver(() => User, { nullable: true })
  user(@Root() membership: Membership, @Ctx() { loaders }: RequestContext) {
    return loaders.userById.load(membership.userId);
  }
}
