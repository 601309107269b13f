import {
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Which columns of an entity a GraphQL selection reads, so a nested list asking for users'
 * emails selects two columns, not twelve (docs/api-speed.md).
 *
 * A field counts as read straight from its property only when the entity class has no getter or
 * method of that name (`Plan.price` reads `priceMinor`) and no resolver class has a method of
 * that name (a field resolver may read any column). A selection with any other field reads
 * every column: the answer can only lose speed, never a value. The entity reader reads the
 * named properties that are columns, and the primary key (`EntityReader.only`).
 */

/** Method names of the schema's resolver classes (and their bases), noted when it is built. */
const resolverMethods = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

export function noteResolverClasses(schema: GraphQLSchema, classes: readonly Function[]): void {
  const methods = new Set<string>();
  for (const resolverClass of classes) {
    for (
      let prototype = resolverClass.prototype;
      prototype && prototype !== Object.prototype;
      prototype = Object.getPrototypeOf(prototype)
    ) {
      for (const name of Object.getOwnPropertyNames(prototype)) methods.add(name);
    }
  }
  resolverMethods.set(schema, methods);
}

/** Per request, the 50 rows of a page share their field nodes: the walk runs once. */
const selections = new WeakMap<readonly FieldNode[], readonly string[] | null>();

/**
 * The properties the selection under `info` reads straight from `entity`'s columns, or undefined
 * when it asks for anything computed or the schema's resolver classes were not noted.
 */
export function selectedColumns(
  info: GraphQLResolveInfo,
  entity: Function,
): readonly string[] | undefined {
  let selected = selections.get(info.fieldNodes);
  if (selected === undefined) {
    selected = plainColumnsOf(info, entity);
    selections.set(info.fieldNodes, selected);
  }
  return selected ?? undefined;
}

function plainColumnsOf(info: GraphQLResolveInfo, entity: Function): readonly string[] | null {
  const methods = resolverMethods.get(info.schema);
  if (!methods) return null;
  const names = new Set<string>();
  for (const node of info.fieldNodes) {
    if (!node.selectionSet || !collectFieldNames(node.selectionSet, info, names, 0)) return null;
  }
  names.delete('__typename');
  for (const name of names) {
    if (methods.has(name) || hasAccessor(entity, name)) return null;
  }
  return [...names];
}

/** Field names under a selection set, through fragments; false when nested too deep to tell. */
function collectFieldNames(
  selectionSet: SelectionSetNode,
  info: GraphQLResolveInfo,
  names: Set<string>,
  depth: number,
): boolean {
  if (depth > 10) return false;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      names.add(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!collectFieldNames(selection.selectionSet, info, names, depth + 1)) return false;
    } else {
      const fragment = info.fragments[selection.name.value];
      if (!fragment || !collectFieldNames(fragment.selectionSet, info, names, depth + 1))
        return false;
    }
  }
  return true;
}

function hasAccessor(entity: Function, name: string): boolean {
  for (
    let prototype = entity.prototype;
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    if (descriptor) return Boolean(descriptor.get || typeof descriptor.value === 'function');
  }
  return false;
}

/**
 * Whether the selection under `info` asks for the field at `path` (e.g. `edges.node.plan`),
 * through aliases and fragments; `@skip`/`@include` are not read (a yes may read in vain).
 */
export function selectionReaches(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) =>
    node.selectionSet ? [node.selectionSet] : [],
  );
  for (const [index, name] of path.entries()) {
    const fields = sets.flatMap((set) => fieldsNamed(set, name, info, 0));
    if (!fields.length) return false;
    if (index === path.length - 1) return true;
    sets = fields.flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  }
  return false;
}

function fieldsNamed(
  selectionSet: SelectionSetNode,
  name: string,
  info: GraphQLResolveInfo,
  depth: number,
): FieldNode[] {
  if (depth > 10) return [];
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === name ? [selection] : [];
    const fragmentSet =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : info.fragments[selection.name.value]?.selectionSet;
    return fragmentSet ? fieldsNamed(fragmentSet, name, info, depth + 1) : [];
  });
}
