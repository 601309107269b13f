import { dateTime } from '../format';

export type DeliveryAttempt = {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
};

export type DeliveryRow = {
  id: string;
  webhookId: string;
  type: string;
  status: 'PENDING' | 'DELIVERED' | 'DEAD';
  changeCount: number;
  causedAt: string;
  deliveredAt: string | null;
  latencyMs: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  attempts: DeliveryAttempt[];
};

/** Deliveries of one destination, each with every attempt and a replay button. */
export function DeliveryTable({
  deliveries,
  empty,
  onReplay,
}: {
  deliveries: DeliveryRow[];
  empty: string;
  onReplay(delivery: DeliveryRow): void;
}) {
  if (!deliveries.length)
    return (
      <p className="muted" data-testid="no-deliveries-shown">
        {empty}
      </p>
    );
  return (
    <table className="grid" data-testid="deliveries">
      <thead>
        <tr>
          <th>Delivery</th>
          <th>webhook-id</th>
          <th>Type</th>
          <th>Status</th>
          <th>Caused at</th>
          <th>Attempts (status code, error, duration)</th>
          <th>Latency</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-delivery={d.id}>
            <td>{d.id}</td>
            <td className="webhook-id">{d.webhookId}</td>
            <td>
              {d.type}
              {d.changeCount > 1 && <span className="muted"> × {d.changeCount}</span>}
            </td>
            <td className="status">
              <span className={STATUS_CLASS[d.status]}>{d.status}</span>
              {d.status === 'PENDING' && d.nextAttemptAt && (
                <div className="muted">next attempt {dateTime(d.nextAttemptAt)}</div>
              )}
              {d.deliveredAt && <div className="muted">at {dateTime(d.deliveredAt)}</div>}
            </td>
            <td>{dateTime(d.causedAt)}</td>
            <td>
              <Attempts attempts={d.attempts} />
            </td>
            <td className="latency">{d.latencyMs === null ? '–' : milliseconds(d.latencyMs)}</td>
            <td>
              <button type="button" data-action="replay" onClick={() => onReplay(d)}>
                Replay
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const STATUS_CLASS: Record<DeliveryRow['status'], string> = {
  DELIVERED: 'ok',
  PENDING: 'muted',
  DEAD: 'negative',
};

function Attempts({ attempts }: { attempts: DeliveryAttempt[] }) {
  if (!attempts.length) return <span className="muted">none yet</span>;
  return (
    <ol className="attempts">
      {attempts.map((a, index) => (
        <li key={index} data-attempt={index} className={a.error ? 'negative' : 'ok'}>
          <span className="status-code">{a.statusCode ?? 'no answer'}</span>
          {a.error && <span className="attempt-error"> {a.error}</span>}
          <span className="muted">
            {' '}
            · {milliseconds(a.durationMs)} · {dateTime(a.at)}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** 340 ms, 1.2 s, 3.5 min. */
function milliseconds(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
