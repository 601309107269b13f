import { In, type DataSource } from 'typeorm';
import {
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
      (ids) =>
        dataSource.getRepository(User).find({ where: { id: In([...ids]) }, withDeleted: true }),
      (user) => user.id,
    ),
    /** Live accounts the user is a member of, the first `first` by account id. */
    accountsByUserId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<{ parentId: string; entity: Account }>(
        (userIds) => accountsOfUsers(dataSource, userIds, first),
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

/** (user, account) pairs from the memberships, then the accounts by id. */
async function accountsOfUsers(
  dataSource: DataSource,
  userIds: readonly string[],
  first: number,
): Promise<Array<{ parentId: string; entity: Account }>> {
  return linkedEntitiesPerParent(
    dataSource,
    Account,
    `SELECT ranked.user_id::text AS parent_id, ranked.account_id::text AS child_id
     FROM (
       SELECT m.user_id, m.account_id,
         row_number() OVER (PARTITION BY m.user_id ORDER BY m.account_id) AS n
       FROM memberships m
       JOIN accounts a ON a.id = m.account_id AND a.deleted_at IS NULL
       WHERE m.user_id = ANY($1::bigint[]) AND m.deleted_at IS NULL
     ) ranked
     WHERE ranked.n <= $2
     ORDER BY ranked.user_id, ranked.account_id`,
    [userIds, first],
  );
}
