import { useMemo } from 'react';
import { GraphiQL } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { GRAPHQL_URL, storedKey } from '../api';
import 'graphiql/graphiql.css';
import '@graphiql/plugin-explorer/dist/style.css';

const DEFAULT_QUERY = `# Harmony's GraphQL API. The key you entered is sent as a bearer header.
{
  metric(name: "mrr", window: { relative: LAST_12_MONTHS }, grain: MONTH) {
    total
    points { start value }
    freshness { computedAt cacheHit }
  }
}
`;

/** GraphiQL with the explorer, bundled: no CDN, no telemetry. */
export function GraphiQLPage() {
  // Queries and mutations over HTTP; the key is read at each call, so a new key applies at once.
  const fetcher = useMemo(
    () => async (params: unknown) => {
      const response = await fetch(GRAPHQL_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${storedKey()}` },
        body: JSON.stringify(params),
      });
      return response.json();
    },
    [],
  );
  const plugins = useMemo(() => [explorerPlugin()], []);
  return (
    <div className="graphiql-page" data-page="graphiql">
      <GraphiQL fetcher={fetcher} plugins={plugins} defaultQuery={DEFAULT_QUERY} />
    </div>
  );
}
