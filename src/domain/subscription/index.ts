/** What other layers use of subscriptions: the MRR and account-plan rules, as SQL builders. */
export {
  accountMrrAtSql,
  accountMrrSql,
  accountPlanAtSql,
  accountPlanSql,
  subscriptionIntervalsSql,
  subscriptionMrrSql,
} from './subscription-state.sql';
