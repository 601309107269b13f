import { useEffect, useMemo } from 'react';
import { GraphiQL } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import { GRAPHQL_URL, GRAPHQL_WS_URL, storedKey } from '../api';
import type { Route } from '../router';
import 'graphiql/graphiql.css';
import '@graphiql/plugin-explorer/dist/style.css';

const DEFAULT_QUERY = `# Harmony's GraphQL API. The key you entered is sent as a bearer header.
# Subscriptions (e.g. subscription { metricChanged(...) { value } }) run over WebSocket.
{
  metric(name: "mrr", window: { relative: LAST_12_MONTHS }, grain: MONTH) {
    total
    points { start value }
    freshness { computedAt cacheHit }
  }
}
`;

/**
 * GraphiQL with the explorer, bundled: no CDN, no telemetry. Queries and mutations go over HTTP,
 * subscriptions over graphql-ws on the same /graphql. `#/graphiql?query=…` opens a document.
 */
export function GraphiQLPage({ route }: { route: Route }) {
  // One socket per page visit, opened at the first subscription; the key is read when it
  // connects, and the socket closes when the page does (a new key remounts the page).
  const wsClient = useMemo(
    () =>
      createClient({
        url: GRAPHQL_WS_URL,
        lazy: true,
        connectionParams: () => ({ authorization: `Bearer ${storedKey()}` }),
      }),
    [],
  );
  useEffect(() => () => void wsClient.dispose(), [wsClient]);
  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: GRAPHQL_URL,
        wsClient,
        enableIncrementalDelivery: false,
        // The key is read at each call, so a new key applies at once.
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            headers: { ...(init?.headers as object), authorization: `Bearer ${storedKey()}` },
          }),
      }),
    [wsClient],
  );
  const plugins = useMemo(() => [explorerPlugin()], []);
  return (
    <div className="graphiql-page" data-page="graphiql">
      <GraphiQL
        fetcher={fetcher}
        plugins={plugins}
        defaultQuery={DEFAULT_QUERY}
        query={route.params.get('query') ?? undefined}
      />
    </div>
  );
}
