import type { DataSource } from 'typeorm';
import {
  entitiesById,
  firstRowsPerParent,
  loaderPerArguments,
  manyPerKeyLoader,
  onePerKeyLoader,
  linkedEntitiesPerParent,
} from '../../db/loader-helpers';
import { entityReader } from '../../db/entity-reader';
import { readRows } from '../../db/read-rows';
import { Plan } from '../plan/plan.entity';
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
  return {
    accountById: onePerKeyLoader<Account>(
      (ids) => entitiesById(dataSource, Account, ids),
      (account) => account.id,
    ),
    /**
     * Live members of each account (optionally one role), the first `first` by user id; only
     * the user's `properties` (and id) when given, every column otherwise.
     */
    usersByAccountId: loaderPerArguments(
      (role: string | null, first: number, properties?: readonly string[]) =>
        manyPerKeyLoader<{ parentId: string; entity: User }>(
          (accountIds) =>
            linkedEntitiesPerParent(dataSource, User, {
              link: 'memberships m',
              parent: 'm.account_id',
              child: 'm.user_id',
              where: 'm.deleted_at IS NULL AND ($3::text IS NULL OR m.role_code = $3::text)',
              params: [role],
              parentIds: accountIds,
              first,
              properties,
            }),
          (row) => row.parentId,
        ),
    ),
    teamsByAccountId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<Team>(
        (accountIds) =>
          firstRowsPerParent(dataSource, Team, {
            parent: 'accountId',
            parentIds: accountIds,
            first,
            orderBy: ['id'],
          }),
        (team) => team.accountId,
      ),
    ),
    subscriptionsByAccountId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<Subscription>(
        (accountIds) =>
          firstRowsPerParent(dataSource, Subscription, {
            parent: 'accountId',
            parentIds: accountIds,
            first,
            orderBy: ['id'],
          }),
        (subscription) => subscription.accountId,
      ),
    ),
    /** The account's plan now, by the one rule, read with the plan in one statement. */
    currentPlanByAccountId: onePerKeyLoader<{ accountId: string; plan: Plan }>(
      async (accountIds) => {
        const reader = entityReader(dataSource, Plan);
        const rows = await readRows(
          dataSource,
          `SELECT ap.account_id::text AS "__accountId", ${reader.columns('p')}
           FROM (${accountPlanAtSql('now()', 'AND h.account_id = ANY($1)')}) ap
           JOIN plans p ON p.id = ap.plan_id`,
          [accountIds],
        );
        return rows.map((row) => ({
          accountId: row.__accountId as string,
          plan: reader.read(row),
        }));
      },
      (row) => row.accountId,
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
