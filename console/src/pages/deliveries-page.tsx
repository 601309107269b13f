import { useMemo } from 'react';
import { namedType, selectionOf, type SchemaShape } from '../api';
import { ErrorBox, useQuery, ValueView } from './shared';

/**
 * Destinations and their recent deliveries, when the server's schema has them (another part of
 * Harmony adds them). Shown as they come, since their exact fields are that part's to define.
 */
export function DeliveriesPage({ shape }: { shape: SchemaShape }) {
  const fields = ['destinations', 'deliveries'].filter((name) => shape.has('Query', name));
  if (!fields.length) {
    return (
      <section data-page="deliveries">
        <h1>Deliveries</h1>
        <p className="notice" data-testid="no-deliveries">
          This server's schema has no <code>destinations</code> or <code>deliveries</code> query
          yet: pushes to GTM tools are not part of this build.
        </p>
      </section>
    );
  }
  return (
    <section data-page="deliveries">
      <h1>Deliveries</h1>
      {fields.map((field) => (
        <RootList key={field} shape={shape} field={field} />
      ))}
    </section>
  );
}

/** A root field without required arguments; a connection shows its nodes. */
function RootList({ shape, field }: { shape: SchemaShape; field: string }) {
  const query = useMemo(() => {
    const definition = shape.fieldsOf('Query').find((f) => f.name === field)!;
    if (definition.args.some((a) => a.type.kind === 'NON_NULL')) return null;
    const type = namedType(definition.type).name;
    const edges = shape.fieldsOf(type).find((f) => f.name === 'edges');
    if (edges) {
      const node = shape.fieldsOf(namedType(edges.type).name).find((f) => f.name === 'node');
      return node
        ? `{ ${field}(first: 50) { edges { node ${selectionOf(shape, namedType(node.type).name)} } } }`
        : null;
    }
    const selection = selectionOf(shape, type);
    return selection ? `{ ${field} ${selection} }` : `{ ${field} }`;
  }, [shape, field]);
  const answer = useQuery<Record<string, any>>(query, {}, [query]);
  return (
    <div>
      <h2>{field}</h2>
      {!query && <p className="muted">{field} needs arguments; use the GraphQL page.</p>}
      <ErrorBox message={answer.error} />
      {answer.data && (
        <ValueView
          value={
            answer.data[field]?.edges
              ? answer.data[field].edges.map((e: any) => e.node)
              : answer.data[field]
          }
        />
      )}
    </div>
  );
}
