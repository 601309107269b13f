import { useEffect, useState } from 'react';
import { graphql, GraphQLRequestError } from '../api';
import { ago } from '../format';

/**
 * Runs a GraphQL query whenever `deps` change; gives data, error and loading state. With
 * `keepPrevious`, the last data stays while it reloads (a form above it keeps its state).
 */
export function useQuery<T>(
  query: string | null,
  variables: Record<string, unknown>,
  deps: unknown[],
  { keepPrevious = false } = {},
) {
  const [state, setState] = useState<{
    data?: T;
    error?: string;
    /** The error's GraphQL code (FORBIDDEN, NOT_FOUND…), when it has one. */
    code?: string;
    loading: boolean;
  }>({
    loading: !!query,
  });
  useEffect(() => {
    if (!query) return;
    let current = true;
    setState((previous) =>
      keepPrevious ? { data: previous.data, loading: true } : { loading: true },
    );
    graphql<T>(query, variables).then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) =>
        current &&
        setState({
          error: error.message,
          code: error instanceof GraphQLRequestError ? error.code : undefined,
          loading: false,
        }),
    );
    return () => {
      current = false;
    };
    // The caller names what the query depends on (variables are usually a fresh object).
  }, deps);
  return state;
}

export const RELATIVE_WINDOWS = [
  'LAST_7_DAYS',
  'LAST_30_DAYS',
  'LAST_90_DAYS',
  'MONTH_TO_DATE',
  'QUARTER_TO_DATE',
  'YEAR_TO_DATE',
  'PREVIOUS_MONTH',
  'PREVIOUS_QUARTER',
  'LAST_12_MONTHS',
];

export type Freshness = {
  tier: string;
  computedAt: string;
  ageSeconds: number;
  cacheHit: boolean;
  source?: string | null;
};

/** "computed 3 min ago, from cache (HOURLY)"; the cache's `source` when the schema has it. */
export function FreshnessNote({ freshness }: { freshness: Freshness }) {
  const origin = freshness.source
    ? `from ${freshness.source}`
    : freshness.cacheHit
      ? 'from cache'
      : 'freshly computed';
  return (
    <span className="freshness" data-testid="freshness" title={freshness.computedAt}>
      computed {ago(freshness.ageSeconds)}, {origin} · tier {freshness.tier}
    </span>
  );
}

export function ErrorBox({ message }: { message?: string }) {
  return message ? <div className="error">{message}</div> : null;
}

/** A value of unknown shape (fields other helpers add) as a compact table or JSON. */
export function ValueView({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">–</span>;
  if (Array.isArray(value)) {
    if (!value.length) return <span className="muted">none</span>;
    return (
      <ul className="plain">
        {value.map((item, index) => (
          <li key={index}>
            <ValueView value={item} />
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === 'object') {
    return (
      <table className="kv">
        <tbody>
          {Object.entries(value as Record<string, unknown>).map(([key, inner]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>
                <ValueView value={inner} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return <span>{String(value)}</span>;
}
