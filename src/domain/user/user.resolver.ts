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
import type { RequestContext } from '../../context/request-context';
import { UpsertMutations } from '../shared/upsert-mutations';
import { Account } from '../account/account.entity';
import { ConnectionType, NestedFirstArg, nestedListSize } from '../shared/connection';
import { Membership, MembershipRole } from './membership.entity';
import { User } from './user.entity';
import { UpsertMembershipInput, UpsertUserInput, UserLookupArgs, UsersArgs } from './user.inputs';

export const UserConnection = ConnectionType(User, 'User');

@Resolver(() => User)
export class UserResolver extends UpsertMutations({
  node: User,
  input: UpsertUserInput,
  name: 'User',
  pluralName: 'Users',
  description: 'Creates or updates one user keyed by externalId.',
  serviceOf: (services) => services.users,
}) {
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
  @Mutation(() => User, { description: 'Soft-deletes a user.' })
  deleteUser(
    @Arg('externalId', { description: 'externalId of the user to soft-delete.' })
    externalId: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.users.softDelete(externalId);
  }

  @FieldResolver(() => [Account], {
    description: 'Accounts the user belongs to, in account id order.',
  })
  async accounts(
    @Root() user: User,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    const rows = await loaders.accountsByUserId(nestedListSize(first)).load(user.id);
    return rows.map((row) => row.entity);
  }

  @FieldResolver(() => [Membership], { description: "The user's memberships, in id order." })
  memberships(
    @Root() user: User,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    return loaders.membershipsByUserId(nestedListSize(first)).load(user.id);
  }
}

@Resolver(() => Membership)
export class MembershipResolver extends UpsertMutations({
  node: Membership,
  input: UpsertMembershipInput,
  name: 'Membership',
  pluralName: 'Memberships',
  description: 'Puts a user in an account with a role (idempotent).',
  serviceOf: (services) => ({ upsertMany: (inputs) => services.users.upsertMemberships(inputs) }),
}) {
  @FieldResolver(() => Account, { nullable: true, description: 'The account of the membership.' })
  account(@Root() membership: Membership, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(membership.accountId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The user of the membership.' })
  user(@Root() membership: Membership, @Ctx() { loaders }: RequestContext) {
    return loaders.userById.load(membership.userId);
  }
}
