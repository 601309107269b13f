/** Talks to Harmony's /graphql from the page: the key lives in localStorage, sent as a bearer. */

const KEY_STORAGE = 'harmony.apiKey';

export function storedKey(): string {
  return localStorage.getItem(KEY_STORAGE) ?? '';
}

export function storeKey(key: string): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** Same-origin /graphql: the console is served by the Harmony it talks to. */
export const GRAPHQL_URL = new URL('/graphql', window.location.origin).toString();

/** The same endpoint for subscriptions (graphql-ws): ws:// beside http://, wss:// beside https://. */
export const GRAPHQL_WS_URL = GRAPHQL_URL.replace(/^http/, 'ws');

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Runs an operation; throws with the server's message (and code) on any error. */
export async function graphql<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${storedKey()}` },
    body: JSON.stringify({ query, variables }),
  });
  let body: any;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(`HTTP ${response.status} without a JSON answer`);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new GraphQLRequestError(first.message, first.extensions?.code);
  }
  return body.data as T;
}

/** Field names per type of the schema the console runs against, so pages can adapt to it. */
export type SchemaShape = {
  fieldsOf(typeName: string): FieldShape[];
  has(typeName: string, field: string): boolean;
};

export type FieldShape = { name: string; type: TypeRef; args: { name: string; type: TypeRef }[] };
type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

export async function loadSchemaShape(): Promise<SchemaShape> {
  const data = await graphql<{
    __schema: { types: { name: string; fields: FieldShape[] | null }[] };
  }>(
    `{ __schema { types { name fields { name type { ${TYPE_REF} } args { name type { ${TYPE_REF} } } } } } }`,
  );
  const byName = new Map(data.__schema.types.map((type) => [type.name, type.fields ?? []]));
  return {
    fieldsOf: (typeName) => byName.get(typeName) ?? [],
    has: (typeName, field) => (byName.get(typeName) ?? []).some((f) => f.name === field),
  };
}

/** The named type under lists and non-nulls. */
export function namedType(type: TypeRef): { kind: string; name: string } {
  let current: TypeRef = type;
  while (current.ofType) current = current.ofType;
  return { kind: current.kind, name: current.name ?? '' };
}

/**
 * A selection set of a type's scalar fields, and one level of its object fields' scalars: used
 * for fields other helpers add (segments, signals, deliveries) whose shape the console does not
 * know in advance. Fields with required arguments are left out.
 */
export function selectionOf(shape: SchemaShape, typeName: string, depth = 1): string {
  const parts: string[] = [];
  for (const field of shape.fieldsOf(typeName)) {
    if (field.args.some((arg) => arg.type.kind === 'NON_NULL')) continue;
    const named = namedType(field.type);
    if (named.kind === 'SCALAR' || named.kind === 'ENUM') parts.push(field.name);
    else if (named.kind === 'OBJECT' && depth > 0) {
      const inner = selectionOf(shape, named.name, depth - 1);
      if (inner) parts.push(`${field.name} ${inner}`);
    }
  }
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}
