import { useMemo, useState } from 'react';
import { selectionOf, type SchemaShape } from '../api';
import { Chart, type ChartData } from '../chart';
import { dateTime, formatNumber, shortDate } from '../format';
import { ErrorBox, useQuery, ValueView } from './shared';
import { AccountForms } from './account-forms';

/** Fields other helpers add to Account (segments, signals, PQL score): shown when present. */
const EXTRA_ACCOUNT_FIELDS = [
  'segments',
  'segmentMemberships',
  'signals',
  'pqlScore',
  'pql',
  'health',
];

/**
 * Series of one account: the metrics' `account` dimension. Both the id and the external id are
 * given, so the filter works whichever of the two the server's dimension takes.
 */
export function accountSeriesQuery(): string {
  return `query ConsoleAccountSeries($where: [DimensionFilterInput!]) {
    mrrHistory: metric(name: "mrr", window: { relative: LAST_12_MONTHS }, grain: MONTH,
                       filter: { includeTest: true, includeDeleted: true, where: $where }) {
      points { start value }
    }
    activeUsers: metric(name: "active_users", window: { relative: LAST_90_DAYS }, grain: WEEK,
                        filter: { includeTest: true, includeDeleted: true, where: $where }) {
      points { start value }
    }
  }`;
}

export function accountQuery(shape: SchemaShape): string {
  const extras = EXTRA_ACCOUNT_FIELDS.filter((name) => shape.has('Account', name))
    .map((name) => {
      const field = shape.fieldsOf('Account').find((f) => f.name === name)!;
      if (field.args.some((a) => a.type.kind === 'NON_NULL')) return '';
      let type = field.type;
      while (type.ofType) type = type.ofType;
      return type.kind === 'OBJECT' ? `${name} ${selectionOf(shape, type.name!)}` : name;
    })
    .join(' ');
  const events = shape.has('Account', 'recentEvents')
    ? 'recentEvents(first: 20) { id type occurredAt event properties user { externalId email } }'
    : '';
  return `query ConsoleAccount($externalId: String!) {
    account(externalId: $externalId) {
      id externalId name domain industry employeeCount isTest traits createdAt updatedAt lastSeenAt deletedAt
      mrr currency plan { code name }
      subscriptions(first: 50) { externalId status mrr currency seats startedAt endedAt canceledAt plan { code } }
      users(first: 50) { externalId email name memberships(first: 20) { accountId role joinedAt leftAt } }
      ${extras}
      ${events}
    }
  }`;
}

export function AccountPage({ shape, externalId }: { shape: SchemaShape; externalId: string }) {
  const [version, setVersion] = useState(0);
  const query = useMemo(() => accountQuery(shape), [shape]);
  // After a save, the page reloads under the forms, which keep their message.
  const answer = useQuery<{ account: any }>(query, { externalId }, [externalId, version], {
    keepPrevious: true,
  });
  const account = answer.data?.account;
  const where = account ? [{ dimension: 'account', in: [account.id, account.externalId] }] : null;
  const series = useQuery<{ mrrHistory: { points: any[] }; activeUsers: { points: any[] } }>(
    account ? accountSeriesQuery() : null,
    { where },
    [account?.id, version],
  );
  if (answer.error) return <ErrorBox message={answer.error} />;
  if (!answer.data || (answer.loading && answer.data.account?.externalId !== externalId))
    return <div className="loading">Loading…</div>;
  if (!account) return <div className="error">No account has the external id “{externalId}”.</div>;
  const extras = EXTRA_ACCOUNT_FIELDS.filter((name) => name in account);
  return (
    <section data-page="account">
      <p>
        <a href="#/accounts">← Accounts</a>
      </p>
      <h1>
        {account.name ?? account.externalId} {account.isTest && <span className="tag">test</span>}
        {account.deletedAt && <span className="tag">deleted</span>}
      </h1>
      <div className="cards">
        <div className="card">
          <div className="muted">Plan</div>
          <div className="big" data-testid="account-plan">
            {account.plan ? `${account.plan.name ?? account.plan.code}` : '–'}
          </div>
        </div>
        <div className="card">
          <div className="muted">MRR now</div>
          <div className="big" data-testid="account-mrr">
            {formatNumber(account.mrr)} {account.currency ?? ''}
          </div>
        </div>
        <div className="card">
          <div className="muted">Members</div>
          <div className="big">
            {account.users.length}
            {account.users.length === 50 ? '+' : ''}
          </div>
        </div>
        <div className="card">
          <div className="muted">Last seen</div>
          <div>{dateTime(account.lastSeenAt)}</div>
        </div>
      </div>
      <table className="kv">
        <tbody>
          <tr>
            <th>External id</th>
            <td>{account.externalId}</td>
          </tr>
          <tr>
            <th>Domain</th>
            <td>{account.domain ?? '–'}</td>
          </tr>
          <tr>
            <th>Industry</th>
            <td>{account.industry ?? '–'}</td>
          </tr>
          <tr>
            <th>Employees</th>
            <td>{account.employeeCount ?? '–'}</td>
          </tr>
          <tr>
            <th>Created</th>
            <td>{dateTime(account.createdAt)}</td>
          </tr>
          <tr>
            <th>Traits</th>
            <td>
              <ValueView value={account.traits} />
            </td>
          </tr>
        </tbody>
      </table>
      <ErrorBox message={series.error} />
      {series.data && (
        <div className="two-columns">
          <div>
            <h2>MRR, last 12 months</h2>
            <Chart
              id="account-mrr"
              data={seriesChart('MRR', series.data.mrrHistory.points, 'MONTH', 'bar')}
              height={240}
            />
          </div>
          <div>
            <h2>Active users per week, last 90 days</h2>
            <Chart
              id="account-active-users"
              data={seriesChart('Active users', series.data.activeUsers.points, 'WEEK', 'line')}
              height={240}
            />
          </div>
        </div>
      )}
      {extras.map((name) => (
        <div key={name}>
          <h2>{name}</h2>
          <ValueView value={account[name]} />
        </div>
      ))}
      {!extras.length && (
        <p className="muted" data-testid="no-signals">
          Segments, signals and the PQL score: this server's schema has none of them on Account yet.
        </p>
      )}
      <h2>Subscriptions</h2>
      <table className="grid" data-testid="subscriptions">
        <thead>
          <tr>
            <th>External id</th>
            <th>Plan</th>
            <th>Status</th>
            <th>MRR</th>
            <th>Seats</th>
            <th>Started</th>
            <th>Ended</th>
          </tr>
        </thead>
        <tbody>
          {account.subscriptions.map((s: any) => (
            <tr key={s.externalId}>
              <td>{s.externalId}</td>
              <td>{s.plan?.code ?? '–'}</td>
              <td>{s.status}</td>
              <td>
                {formatNumber(s.mrr)} {s.currency}
              </td>
              <td>{s.seats ?? '–'}</td>
              <td>{dateTime(s.startedAt)}</td>
              <td>{dateTime(s.endedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Members</h2>
      <table className="grid" data-testid="members">
        <thead>
          <tr>
            <th>User</th>
            <th>Email</th>
            <th>Role</th>
            <th>Joined</th>
            <th>Left</th>
          </tr>
        </thead>
        <tbody>
          {account.users.map((u: any) => {
            const membership = u.memberships.find((m: any) => m.accountId === account.id);
            return (
              <tr key={u.externalId}>
                <td>{u.name ?? u.externalId}</td>
                <td>{u.email}</td>
                <td>{membership?.role}</td>
                <td>{dateTime(membership?.joinedAt)}</td>
                <td>{dateTime(membership?.leftAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Recent events</h2>
      {account.recentEvents ? (
        <table className="grid" data-testid="recent-events">
          <thead>
            <tr>
              <th>When</th>
              <th>Type</th>
              <th>Event</th>
              <th>User</th>
              <th>Properties</th>
            </tr>
          </thead>
          <tbody>
            {account.recentEvents.map((e: any) => (
              <tr key={e.id}>
                <td>{dateTime(e.occurredAt)}</td>
                <td>{e.type}</td>
                <td>{e.event}</td>
                <td>{e.user?.email ?? e.user?.externalId ?? '–'}</td>
                <td>
                  <code>{JSON.stringify(e.properties)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">This server's schema has no Account.recentEvents.</p>
      )}
      <AccountForms
        key={account.externalId}
        account={account}
        onSaved={() => setVersion((v) => v + 1)}
      />
    </section>
  );
}

function seriesChart(
  name: string,
  points: { start: string; value: number }[],
  grain: string,
  kind: 'bar' | 'line',
): ChartData {
  return {
    kind,
    categories: points.map((p) => shortDate(p.start, grain)),
    series: [{ name, values: points.map((p) => p.value) }],
  };
}
