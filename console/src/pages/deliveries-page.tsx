import { useEffect, useState, type FormEvent } from 'react';
import { graphql, type SchemaShape } from '../api';
import { dateTime } from '../format';
import type { Route } from '../router';
import { DeliveryTable, type DeliveryRow } from './delivery-table';
import { ErrorBox, useQuery } from './shared';

type DestinationRow = {
  id: string;
  name: string;
  kind: string;
  url: string;
  tier: string;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
};

const DESTINATIONS_QUERY = `query ConsoleDestinations {
  destinations { id name kind url tier enabled disabledReason failingSince }
}`;

const DELIVERY_FIELDS = `id webhookId type status changeCount causedAt deliveredAt latencyMs lastError
  nextAttemptAt attempts { at statusCode error durationMs }`;

/** The newest deliveries, and the dead-lettered ones however old, of one destination. */
export const DELIVERIES_QUERY = `query ConsoleDeliveries($destination: ID!) {
  recent: deliveries(destination: $destination, first: 100) { edges { node { ${DELIVERY_FIELDS} } } }
  dead: deliveries(destination: $destination, status: DEAD, first: 100) { edges { node { ${DELIVERY_FIELDS} } } }
}`;

/** While a shown delivery is still pending (e.g. just replayed), the page looks again this often. */
const REFRESH_WHILE_PENDING_MS = 1_000;

/**
 * Pushes to GTM tools, per destination: its recent deliveries, its failures (dead-lettered, or
 * with failed attempts: each attempt's status code, error and duration) and replay, of one
 * delivery or of everything since a time. Destinations and the ledger need an admin key.
 */
export function DeliveriesPage({ shape, route }: { shape: SchemaShape; route: Route }) {
  if (!shape.has('Query', 'destinations') || !shape.has('Query', 'deliveries')) {
    return (
      <section data-page="deliveries">
        <h1>Deliveries</h1>
        <p className="notice" data-testid="no-deliveries">
          This server's schema has no <code>destinations</code> or <code>deliveries</code> query:
          pushes to GTM tools are not part of this build.
        </p>
      </section>
    );
  }
  return <Destinations route={route} />;
}

function Destinations({ route }: { route: Route }) {
  // Read again as deliveries settle: a success clears the destination's failingSince.
  const [version, setVersion] = useState(0);
  const answer = useQuery<{ destinations: DestinationRow[] }>(DESTINATIONS_QUERY, {}, [version], {
    keepPrevious: true,
  });
  const destinations = answer.data?.destinations ?? [];
  const selected =
    destinations.find((d) => d.id === route.params.get('destination')) ?? destinations[0];
  const view = route.params.get('view') === 'failures' ? 'failures' : 'recent';
  return (
    <section data-page="deliveries">
      <h1>Deliveries</h1>
      {answer.code === 'FORBIDDEN' ? (
        <div className="notice" data-testid="needs-admin">
          Destinations and their deliveries (payloads, secrets) need a key with the admin scope.
        </div>
      ) : (
        <ErrorBox message={answer.error} />
      )}
      {answer.data && !destinations.length && (
        <p className="notice" data-testid="no-destinations">
          No destination yet: create one with the <code>upsertDestination</code> mutation (see the
          GraphQL page).
        </p>
      )}
      {destinations.length > 0 && (
        <table className="grid" data-testid="destinations">
          <thead>
            <tr>
              <th>Destination</th>
              <th>Kind</th>
              <th>URL</th>
              <th>Tier</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {destinations.map((d) => (
              <tr
                key={d.id}
                data-destination={d.id}
                className={d.id === selected?.id ? 'selected' : ''}
              >
                <td>
                  <a href={`#/deliveries?destination=${d.id}&view=${view}`}>{d.name}</a>
                </td>
                <td>{d.kind}</td>
                <td className="url">{d.url}</td>
                <td>{d.tier}</td>
                <td>
                  <DestinationState destination={d} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && (
        <DestinationDeliveries
          key={selected.id}
          destination={selected}
          view={view}
          onReloaded={() => setVersion((n) => n + 1)}
        />
      )}
    </section>
  );
}

function DestinationState({ destination: d }: { destination: DestinationRow }) {
  if (!d.enabled)
    return <span className="negative">disabled{d.disabledReason && `: ${d.disabledReason}`}</span>;
  if (d.failingSince)
    return <span className="negative">failing since {dateTime(d.failingSince)}</span>;
  return <span className="ok">enabled</span>;
}

/** One destination's ledger: recent or failures, with replay. */
function DestinationDeliveries({
  destination,
  view,
  onReloaded,
}: {
  destination: DestinationRow;
  view: 'recent' | 'failures';
  /** After each reload past the first (a replay, a pending delivery followed). */
  onReloaded(): void;
}) {
  const [refreshes, setRefreshes] = useState(0);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const answer = useQuery<{
    recent: { edges: { node: DeliveryRow }[] };
    dead: { edges: { node: DeliveryRow }[] };
  }>(DELIVERIES_QUERY, { destination: destination.id }, [destination.id, refreshes], {
    keepPrevious: true,
  });
  const recent = answer.data?.recent.edges.map((e) => e.node) ?? [];
  const dead = answer.data?.dead.edges.map((e) => e.node) ?? [];
  const shown = view === 'failures' ? failures(recent, dead) : recent;

  // Pending deliveries (retrying, or just replayed) are followed until they settle.
  useEffect(() => {
    if (refreshes > 0 && answer.data) onReloaded();
  }, [answer.data]);

  const anyPending = shown.some((d) => d.status === 'PENDING');
  useEffect(() => {
    if (!anyPending || answer.loading) return;
    const timer = setTimeout(() => setRefreshes((n) => n + 1), REFRESH_WHILE_PENDING_MS);
    return () => clearTimeout(timer);
  }, [anyPending, answer.loading, answer.data]);

  const run = async (action: () => Promise<string>) => {
    setMessage(null);
    try {
      setMessage({ ok: true, text: await action() });
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
    setRefreshes((n) => n + 1);
  };
  const replayOne = (delivery: DeliveryRow) =>
    run(async () => {
      const { replayDelivery } = await graphql<{
        replayDelivery: { id: string; webhookId: string; status: string };
      }>(
        `
          mutation ($id: ID!) {
            replayDelivery(id: $id) {
              id
              webhookId
              status
            }
          }
        `,
        {
          id: delivery.id,
        },
      );
      return `Delivery ${replayDelivery.id} replayed with webhook-id ${replayDelivery.webhookId} (${replayDelivery.status})`;
    });

  return (
    <div data-testid="destination-deliveries" data-destination={destination.id}>
      <h2>{destination.name}</h2>
      <nav className="tabs">
        {(['recent', 'failures'] as const).map((tab) => (
          <a
            key={tab}
            href={`#/deliveries?destination=${destination.id}&view=${tab}`}
            className={view === tab ? 'active' : ''}
            data-tab={tab}
          >
            {tab === 'recent' ? 'Recent' : 'Failures'}
          </a>
        ))}
      </nav>
      <ReplaySince
        onReplay={(since) =>
          run(async () => {
            const { replayDeliveries } = await graphql<{ replayDeliveries: number }>(
              `
                mutation ($destination: ID!, $since: DateTimeISO!) {
                  replayDeliveries(destination: $destination, since: $since)
                }
              `,
              { destination: destination.id, since: since.toISOString() },
            );
            return `${replayDeliveries} ${replayDeliveries === 1 ? 'delivery' : 'deliveries'} created since ${dateTime(since.toISOString())} replayed`;
          })
        }
      />
      {message && (
        <div className={message.ok ? 'success' : 'error'} data-testid="replay-message">
          {message.text}
        </div>
      )}
      <ErrorBox message={answer.error} />
      {answer.data && (
        <DeliveryTable
          deliveries={shown}
          empty={view === 'failures' ? 'No failures.' : 'No deliveries yet.'}
          onReplay={replayOne}
        />
      )}
    </div>
  );
}

/**
 * Dead-lettered deliveries however old, and recent ones with a failed attempt (still retrying,
 * or delivered since: the status says so), newest first.
 */
export function failures(recent: DeliveryRow[], dead: DeliveryRow[]): DeliveryRow[] {
  const byId = new Map<string, DeliveryRow>();
  for (const d of [...recent, ...dead])
    if (d.status === 'DEAD' || d.attempts.some((a) => a.error !== null)) byId.set(d.id, d);
  return [...byId.values()].sort((a, b) => Number(b.id) - Number(a.id));
}

/** "Replay since": a local date and time, a day ago by default. */
function ReplaySince({ onReplay }: { onReplay(since: Date): void }) {
  const [since, setSince] = useState(() => localInputValue(new Date(Date.now() - 86_400_000)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const date = new Date(since);
    if (!Number.isNaN(date.getTime())) onReplay(date);
  };
  return (
    <form className="controls" data-form="replay-since" onSubmit={submit}>
      <label>
        Deliveries created since (your time)
        <input
          name="since"
          type="datetime-local"
          step="1"
          value={since}
          onChange={(e) => setSince(e.target.value)}
        />
      </label>
      <button type="submit">Replay since</button>
    </form>
  );
}

/** A Date as the value of a datetime-local input, in the browser's time zone. */
function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}
