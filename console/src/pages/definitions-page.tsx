import { useState } from 'react';
import { selectionOf, type SchemaShape } from '../api';
import { diffLines, stableJson } from '../diff';
import { dateTime } from '../format';
import type { Route } from '../router';
import { ErrorBox, useQuery, ValueView } from './shared';

type Version = {
  version: number;
  changedAt: string;
  changedBy: string;
  reason: string;
  definition: unknown;
};
type MetricDefinition = {
  name: string;
  label: string;
  type: string;
  version: number;
  updatedAt: string;
  versions: Version[];
};

/** Segment definitions, when another helper's schema has them (the field name is not fixed yet). */
const SEGMENT_FIELDS = ['segmentDefinitions', 'segments'];

export function DefinitionsPage({ shape, route }: { shape: SchemaShape; route: Route }) {
  const tab = route.params.get('tab') ?? 'metrics';
  const segmentField = SEGMENT_FIELDS.find((name) => shape.has('Query', name));
  return (
    <section data-page="definitions">
      <h1>Definitions</h1>
      <div className="tabs">
        <a className={tab === 'metrics' ? 'active' : ''} href="#/definitions?tab=metrics">
          Metrics
        </a>
        <a className={tab === 'events' ? 'active' : ''} href="#/definitions?tab=events">
          Event definitions
        </a>
        {segmentField && (
          <a className={tab === 'segments' ? 'active' : ''} href="#/definitions?tab=segments">
            Segments
          </a>
        )}
      </div>
      {tab === 'events' ? (
        <EventDefinitions />
      ) : tab === 'segments' && segmentField ? (
        <GenericList shape={shape} field={segmentField} />
      ) : (
        <MetricDefinitions route={route} />
      )}
      {!segmentField && (
        <p className="muted">Segments: this server's schema has no segment definitions yet.</p>
      )}
    </section>
  );
}

function MetricDefinitions({ route }: { route: Route }) {
  const answer = useQuery<{ metricDefinitions: MetricDefinition[] }>(
    '{ metricDefinitions { name label type version updatedAt versions { version changedAt changedBy reason definition } } }',
    {},
    [],
  );
  const selectedName = route.params.get('metric');
  if (answer.error) return <ErrorBox message={answer.error} />;
  if (!answer.data) return <div className="loading">Loading…</div>;
  const selected =
    answer.data.metricDefinitions.find((d) => d.name === selectedName) ??
    answer.data.metricDefinitions[0];
  return (
    <div className="split">
      <ul className="list" data-testid="metric-definitions">
        {answer.data.metricDefinitions.map((d) => (
          <li key={d.name} className={d.name === selected?.name ? 'active' : ''}>
            <a href={`#/definitions?tab=metrics&metric=${d.name}`}>
              {d.label} <span className="muted">v{d.version}</span>
            </a>
          </li>
        ))}
      </ul>
      {selected && <VersionHistory key={selected.name} definition={selected} />}
    </div>
  );
}

function VersionHistory({ definition }: { definition: MetricDefinition }) {
  const versions = definition.versions;
  const [from, setFrom] = useState(Math.max(1, versions.length - 1));
  const [to, setTo] = useState(versions.length);
  const before = versions.find((v) => v.version === from);
  const after = versions.find((v) => v.version === to);
  return (
    <div className="detail">
      <h2>
        {definition.label} <code>{definition.name}</code> · {definition.type}
      </h2>
      <table className="grid" data-testid="versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>When</th>
            <th>Who</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>{v.version}</td>
              <td>{dateTime(v.changedAt)}</td>
              <td>{v.changedBy}</td>
              <td>{v.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="controls">
        <label>
          Diff from
          <select name="diffFrom" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </label>
        <label>
          to
          <select name="diffTo" value={to} onChange={(e) => setTo(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </label>
      </div>
      {before && after && <Diff before={before.definition} after={after.definition} />}
    </div>
  );
}

export function Diff({ before, after }: { before: unknown; after: unknown }) {
  const lines = diffLines(
    before === null || before === undefined ? '' : stableJson(before),
    stableJson(after),
  );
  return (
    <pre className="diff" data-testid="diff">
      {lines.map((line, index) => (
        <div key={index} className={line.kind}>
          {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
          {line.text}
        </div>
      ))}
    </pre>
  );
}

type EventDefinition = {
  id: string;
  key: string;
  displayName: string;
  aliases: string[];
  changes: {
    id: string;
    change: string;
    changedAt: string;
    changedBy: string;
    reason: string | null;
    before: unknown;
    after: unknown;
  }[];
};

function EventDefinitions() {
  const answer = useQuery<{ eventDefinitions: EventDefinition[] }>(
    '{ eventDefinitions(first: 200) { id key displayName aliases changes { id change changedAt changedBy reason before after } } }',
    {},
    [],
  );
  const [open, setOpen] = useState<string | null>(null);
  if (answer.error) return <ErrorBox message={answer.error} />;
  if (!answer.data) return <div className="loading">Loading…</div>;
  return (
    <table className="grid" data-testid="event-definitions">
      <thead>
        <tr>
          <th>Key</th>
          <th>Display name</th>
          <th>Aliases</th>
          <th>Changes</th>
        </tr>
      </thead>
      <tbody>
        {answer.data.eventDefinitions.map((d) => (
          <tr key={d.id}>
            <td>{d.key}</td>
            <td>{d.displayName}</td>
            <td>{d.aliases.join(', ')}</td>
            <td>
              <button onClick={() => setOpen(open === d.id ? null : d.id)}>
                {d.changes.length} change(s)
              </button>
              {open === d.id &&
                d.changes.map((c) => (
                  <div key={c.id} className="change">
                    <div>
                      {c.change} · {dateTime(c.changedAt)} · {c.changedBy} ·{' '}
                      {c.reason ?? 'no reason given'}
                    </div>
                    <Diff before={c.before} after={c.after} />
                  </div>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A list field of unknown shape (another helper's), shown as it comes. */
export function GenericList({ shape, field }: { shape: SchemaShape; field: string }) {
  const definition = shape.fieldsOf('Query').find((f) => f.name === field)!;
  let type = definition.type;
  while (type.ofType) type = type.ofType;
  const selection = selectionOf(shape, type.name!);
  const answer = useQuery<Record<string, unknown>>(
    selection ? `{ ${field} ${selection} }` : null,
    {},
    [field],
  );
  if (!selection) return <p className="muted">{field}: no fields the console can show.</p>;
  if (answer.error) return <ErrorBox message={answer.error} />;
  if (!answer.data) return <div className="loading">Loading…</div>;
  return (
    <div data-testid={`generic-${field}`}>
      <ValueView value={answer.data[field]} />
    </div>
  );
}
