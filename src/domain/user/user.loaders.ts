import type { DataSource } from 'typeorm';
import {
  entitiesById,
  firstRowsPerParent,
  loaderPerArguments,
  manyPerKeyLoader,
  onePerKeyLoader,
  linkedEntitiesPerParent,
} from '../../db/loader-helpers';
import { Account } from '../account/account.entity';
import { Membership } from './membership.entity';
import { User } from './user.entity';

/** Per-request loaders for what hangs off a user. */
export function createUserLoaders(dataSource: DataSource) {
  return {
    userById: onePerKeyLoader<User>(
      (ids) => entitiesById(dataSource, User, ids),
      (user) => user.id,
    ),
    /** Live accounts the user is a member of, the first `first` by account id. */
    accountsByUserId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<{ parentId: string; entity: Account }>(
        (userIds) =>
          linkedEntitiesPerParent(dataSource, Account, {
            link: 'memberships m',
            parent: 'm.user_id',
            child: 'm.account_id',
            where: 'm.deleted_at IS NULL',
            parentIds: userIds,
            first,
          }),
        (row) => row.parentId,
      ),
    ),
    membershipsByUserId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<Membership>(
        (userIds) =>
          firstRowsPerParent(dataSource, Membership, {
            parent: 'userId',
            parentIds: userIds,
            first,
            orderBy: ['id'],
          }),
        (membership) => membership.userId,
      ),
    ),
  };
}
