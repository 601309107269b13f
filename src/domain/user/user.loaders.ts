import { In, type DataSource } from 'typeorm';
import { manyPerKeyLoader, onePerKeyLoader } from '../../db/loader-helpers';
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
    /** Live accounts the user is a member of. */
    accountsByUserId: manyPerKeyLoader<{ userId: string; account: Account }>(
      async (userIds) => {
        const memberships = await dataSource
          .getRepository(Membership)
          .find({ where: { userId: In([...userIds]) }, order: { accountId: 'ASC' } });
        if (memberships.length === 0) return [];
        const accounts = await dataSource
          .getRepository(Account)
          .findBy({ id: In([...new Set(memberships.map((membership) => membership.accountId))]) });
        const accountById = new Map(accounts.map((account) => [account.id, account]));
        return memberships
          .filter((membership) => accountById.has(membership.accountId))
          .map((membership) => ({
            userId: membership.userId,
            account: accountById.get(membership.accountId)!,
          }));
      },
      (row) => row.userId,
    ),
    membershipsByUserId: manyPerKeyLoader<Membership>(
      (userIds) =>
        dataSource
          .getRepository(Membership)
          .find({ where: { userId: In([...userIds]) }, order: { id: 'ASC' } }),
      (membership) => membership.userId,
    ),
  };
}
