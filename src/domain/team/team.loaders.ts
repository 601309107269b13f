import type { DataSource } from 'typeorm';
import {
  linkedEntitiesPerParent,
  loaderPerArguments,
  manyPerKeyLoader,
} from '../../db/loader-helpers';
import { User } from '../user/user.entity';

export function createTeamLoaders(dataSource: DataSource) {
  return {
    /** Live members of each team, the first `first` by user id. */
    usersByTeamId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<{ parentId: string; entity: User }>(
        (teamIds) =>
          linkedEntitiesPerParent(dataSource, User, {
            link: 'team_members tm',
            parent: 'tm.team_id',
            child: 'tm.user_id',
            parentIds: teamIds,
            first,
          }),
        (row) => row.parentId,
      ),
    ),
  };
}
