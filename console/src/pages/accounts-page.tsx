import { useState } from 'react';
import { formatNumber, dateTime } from '../format';
import { setParams, type Route } from '../router';
import { ErrorBox, useQuery } from './shared';

type AccountRow = {
  id: string;
  externalId: string;
  name: string | null;
  domain: string | null;
  industry: string | null;
  isTest: boolean;
  mrr: number;
  currency: string | null;
  lastSeenAt: string | null;
  plan: { code: string } | null;
};

export const ACCOUNTS_QUERY = `query ConsoleAccounts($search: String, $after: String) {
  accounts(first: 25, after: $after, filter: { search: $search }) {
    edges { node { id externalId name domain industry isTest mrr currency lastSeenAt plan { code } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Search accounts by name or domain; a row opens the account. */
export function AccountsPage({ route }: { route: Route }) {
  const search = route.params.get('search') ?? '';
  const after = route.params.get('after') ?? undefined;
  const [draft, setDraft] = useState(search);
  const answer = useQuery<{
    accounts: {
      edges: { node: AccountRow }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(ACCOUNTS_QUERY, { search: search || null, after: after ?? null }, [search, after]);
  return (
    <section data-page="accounts">
      <h1>Accounts</h1>
      <form
        className="controls"
        onSubmit={(event) => {
          event.preventDefault();
          setParams('accounts', { search: draft });
        }}
      >
        <input
          name="search"
          placeholder="Name or domain"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      <ErrorBox message={answer.error} />
      {answer.data && (
        <>
          <table className="grid" data-testid="accounts">
            <thead>
              <tr>
                <th>Name</th>
                <th>External id</th>
                <th>Domain</th>
                <th>Industry</th>
                <th>Plan</th>
                <th>MRR</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {answer.data.accounts.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>
                    <a href={`#/accounts/${encodeURIComponent(node.externalId)}`}>
                      {node.name ?? node.externalId}
                    </a>
                    {node.isTest && <span className="tag">test</span>}
                  </td>
                  <td>{node.externalId}</td>
                  <td>{node.domain}</td>
                  <td>{node.industry}</td>
                  <td>{node.plan?.code ?? '–'}</td>
                  <td>
                    {formatNumber(node.mrr)} {node.currency ?? ''}
                  </td>
                  <td>{dateTime(node.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {answer.data.accounts.edges.length === 0 && <p className="muted">No account matches.</p>}
          {answer.data.accounts.pageInfo.hasNextPage && (
            <button
              onClick={() =>
                setParams('accounts', {
                  search,
                  after: answer.data!.accounts.pageInfo.endCursor ?? undefined,
                })
              }
            >
              Next page
            </button>
          )}
        </>
      )}
    </section>
  );
}
