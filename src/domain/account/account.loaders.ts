import type { DataSource } from 'typeorm';
import { In } from 'typeorm';
import { manyPerKeyLoader, onePerKeyLoader } from '../../db/loader-helpers';
import { Subscription } from '../subscription/subscription.entity';
import { Team } from '../team/team.entity';
import { User } from '../user/user.entity';
import { Account } from './account.entity';

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
    /** The plan of the account's newest subscription in force now. */
    currentPlanIdByAccountId: onePerKeyLoader<{ account_id: string; plan_id: string }>(
      (accountIds) =>
        dataSource.query(
          `SELECT DISTINCT ON (s.account_id) s.account_id, s.plan_id
           FROM subscriptions s
           WHERE s.account_id = ANY($1) AND s.deleted_at IS NULL AND s.plan_id IS NOT NULL
             AND s.status_code <> 'CANCELED' AND s.started_at <= now()
             AND (s.ended_at IS NULL OR s.ended_at > now())
           ORDER BY s.account_id, s.started_at DESC, s.id DESC`,
          [accountIds],
        ),
      (row) => String(row.account_id),
    ),
    /** Current MRR in minor units: subscriptions in force now, on paid plans, in a revenue status. */
    mrrMinorByAccountId: onePerKeyLoader<{ account_id: string; mrr_minor: string }>(
      (accountIds) =>
        dataSource.query(
          `SELECT s.account_id, sum(s.mrr_minor)::bigint AS mrr_minor
           FROM subscriptions s
           JOIN subscription_statuses st ON st.code = s.status_code AND st.counts_as_revenue
           JOIN plans p ON p.id = s.plan_id AND p.is_paid
           WHERE s.account_id = ANY($1) AND s.deleted_at IS NULL AND s.started_at <= now()
             AND (s.ended_at IS NULL OR s.ended_at > now())
           GROUP BY s.account_id`,
          [accountIds],
        ),
      (row) => String(row.account_id),
    ),
  };
}
