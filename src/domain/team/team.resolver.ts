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
import { User } from '../user/user.entity';
import { Team } from './team.entity';
import { TeamsArgs, UpsertTeamInput } from './team.inputs';

export const TeamConnection = ConnectionType(Team, 'Team');

@Resolver(() => Team)
export class TeamResolver extends UpsertMutations({
  node: Team,
  input: UpsertTeamInput,
  name: 'Team',
  pluralName: 'Teams',
  description: 'Creates or updates a team keyed by externalId.',
  serviceOf: (services) => services.teams,
}) {
  @Authorized('read')
  @Query(() => TeamConnection, { description: 'Teams in a stable order (oldest first).' })
  teams(@Args() args: TeamsArgs, @Ctx() { services }: RequestContext) {
    return services.teams.list(args);
  }

  @Authorized('sync')
  @Mutation(() => Team, { description: 'Soft-deletes a team.' })
  deleteTeam(
    @Arg('externalId', { description: 'externalId of the team to soft-delete.' })
    externalId: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.teams.softDelete(externalId);
  }

  @FieldResolver(() => Account, { nullable: true, description: 'The account the team belongs to.' })
  account(@Root() team: Team, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(team.accountId);
  }

  @FieldResolver(() => [User], { description: 'Members of the team, in user id order.' })
  async members(
    @Root() team: Team,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    return (await loaders.usersByTeamId(nestedListSize(first)).load(team.id)).map(
      (row) => row.entity,
    );
  }
}
