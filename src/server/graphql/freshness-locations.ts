import {
  getNamedType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FieldNode,
  type DocumentNode,
} from 'graphql';

/** The `Freshness` fields a served response rewrites, by the names the client gave them. */
export type FreshnessKeys = Partial<
  Record<'computedAt' | 'ageSeconds' | 'cacheHit' | 'source', string>
>;

/** One `Freshness` object in a response: where it is and what the client called its fields. */
export type FreshnessLocation = { path: Array<string | number>; keys: FreshnessKeys };

const FRESHNESS_TYPE = 'Freshness';

/**
 * Every `Freshness` object of an executed response, found by walking the operation's selections
 * beside the data (aliases, fragments and lists included), so a response served again from the
 * cache can say how old it is now.
 */
export function findFreshness(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Record<string, unknown>,
): FreshnessLocation[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const found: FreshnessLocation[] = [];
  const walk = (
    type: GraphQLObjectType,
    selections: SelectionSetNode,
    value: Record<string, unknown>,
    path: Array<string | number>,
  ) => {
    for (const field of fieldsOf(selections, fragments)) {
      const key = field.alias?.value ?? field.name.value;
      const definition = type.getFields()[field.name.value];
      if (!definition || !(key in value) || value[key] == null) continue;
      const named = getNamedType(definition.type);
      const each = (child: unknown, at: Array<string | number>): void => {
        if (child == null) return;
        if (Array.isArray(child)) return child.forEach((item, i) => each(item, [...at, i]));
        if (named.name === FRESHNESS_TYPE) found.push({ path: at, keys: keysOf(field, fragments) });
        else if (isObjectType(named) && field.selectionSet)
          walk(named, field.selectionSet, child as Record<string, unknown>, at);
      };
      each(value[key], [...path, key]);
    }
  };
  const root = schema.getQueryType();
  if (root) walk(root, operation.selectionSet, data, []);
  return found;
}

/** The fields of a selection set, fragments spread in place. */
export function fieldsOf(
  selections: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      fields.push(...fieldsOf(selection.selectionSet, fragments));
    else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) fields.push(...fieldsOf(fragment.selectionSet, fragments));
    }
  }
  return fields;
}

function keysOf(field: FieldNode, fragments: Map<string, FragmentDefinitionNode>): FreshnessKeys {
  const keys: FreshnessKeys = {};
  if (!field.selectionSet) return keys;
  for (const child of fieldsOf(field.selectionSet, fragments)) {
    const name = child.name.value;
    if (name === 'computedAt' || name === 'ageSeconds' || name === 'cacheHit' || name === 'source')
      keys[name] = child.alias?.value ?? name;
  }
  return keys;
}
