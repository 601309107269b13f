import type { DataSource } from 'typeorm';
import { In } from 'typeorm';
import { manyPerKeyLoader, onePerKeyLoader } from '../../db/loader-helpers';
import { accountMrrAtSql, accountPlanAtSql } from '../subscription';
import { Subscription } from '../subscription/subscription.entity';
import { Team } from '../team/team.entity';
import { User } from '../user/user.entity';
import { Account } from './account.entity';

/** An account's MRR now, with the currencies it was billed in. */
export type AccountMrrRow = {
  account_id: string;
  mrr_minor: string;
  min_currency: string;
  max_currency: string;
};

/** Per-request loaders for what hangs off an account. */
export function createAccountLoaders(dataSource: DataSource) {
  const usersByRole = new Map<string, ReturnType<typeof usersByAccountIdLoader>>();
  const usersByAccountIdLoader = (role: string | null) =>
    manyPerKeyLoader<User & { membershipAccountId: string }>(
      (accountIds) =>
        dataSource
          .getRepository(User)
          .createQueryBuilder('user')
          .innerJoin('memberships', 'm', 'm.user_id = user.id AND m.deleted_at IS NULL')
          .addSelect('m.account_id', 'membership_account_id')
          .where('m.account_id IN (:...accountIds)', { accountIds })
          .andWhere(role ? 'm.role_code = :role' : 'TRUE', { role })
          .orderBy('user.id')
          .getRawAndEntities()
          .then(({ raw, entities }) =>
            entities.map((user, index) =>
              Object.assign(user, {
                membershipAccountId: String(raw[index].membership_account_id),
              }),
            ),
          ),
      (user) => user.membershipAccountId,
    );

  return {
    accountById: onePerKeyLoader<Account>(
      (ids) =>
        dataSource.getRepository(Account).find({ where: { id: In([...ids]) }, withDeleted: true }),
      (account) => account.id,
    ),
    /** Members of each account, optionally only those with one role. */
    usersByAccountId(role: string | null) {
      const key = role ?? '*';
      if (!usersByRole.has(key)) usersByRole.set(key, usersByAccountIdLoader(role));
      return usersByRole.get(key)!;
    },
    teamsByAccountId: manyPerKeyLoader<Team>(
      (accountIds) =>
        dataSource
          .getRepository(Team)
          .find({ where: { accountId: In([...accountIds]) }, order: { id: 'ASC' } }),
      (team) => team.accountId,
    ),
    subscriptionsByAccountId: manyPerKeyLoader<Subscription>(
      (accountIds) =>
        dataSource
          .getRepository(Subscription)
          .find({ where: { accountId: In([...accountIds]) }, order: { id: 'ASC' } }),
      (subscription) => subscription.accountId,
    ),
    /** The account's plan now, by the one rule (src/domain/subscription). */
    currentPlanIdByAccountId: onePerKeyLoader<{ account_id: string; plan_id: string }>(
      (accountIds) =>
        dataSource.query(
          `SELECT ap.account_id, ap.plan_id
           FROM (${accountPlanAtSql('now()', 'AND h.account_id = ANY($1)')}) ap`,
          [accountIds],
        ),
      (row) => String(row.account_id),
    ),
    /** MRR now in minor units, by the rule the metrics use; min/max currency reveal a mix. */
    mrrMinorByAccountId: onePerKeyLoader<AccountMrrRow>(
      (accountIds) =>
        dataSource.query(
          `SELECT am.account_id, am.mrr_minor::bigint AS mrr_minor,
             trim(am.min_currency) AS min_currency, trim(am.max_currency) AS max_currency
           FROM (${accountMrrAtSql('now()', 'AND h.account_id = ANY($1)')}) am`,
          [accountIds],
        ),
      (row) => String(row.account_id),
    ),
  };
}
