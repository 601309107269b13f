import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import {
  EnumValue,
  WRONG_VALUES,
  literalOf,
  scalarCandidates,
  variableValueOf,
  type ServerPools,
} from './graphql-values';

/** One generated GraphQL request. */
export type GraphqlCase = {
  /** Which key sends it. */
  key: 'admin' | 'read' | 'sync' | 'ingest' | 'unknown';
  /** The JSON request body (query, variables, operationName), or raw text. */
  body?: Record<string, unknown>;
  rawBody?: string;
};

/**
 * Documents built by walking the schema: valid and invalid selections, arguments of the right
 * and the wrong type, variables (declared right, declared wrong, missing), aliases, fragments,
 * introspection, nesting past the depth limit, huge `first`, bad enums, garbage ids, cursors,
 * windows and time zones, NUL and lone surrogates in strings; plus texts that do not parse and
 * request bodies of the wrong shape. Kept to a few dozen fields so that a run finishes.
 */
export function graphqlCase(schema: GraphQLSchema, pools: ServerPools): fc.Arbitrary<GraphqlCase> {
  return fc.oneof(
    { weight: 18, arbitrary: fc.gen().map((g) => new DocumentBuilder(g, schema, pools).build()) },
    { weight: 1, arbitrary: unparsableCase },
    { weight: 1, arbitrary: malformedBodyCase },
  );
}

const KEYS: GraphqlCase['key'][] = [
  'admin',
  'admin',
  'admin',
  'admin',
  'admin',
  'admin',
  'read',
  'sync',
  'ingest',
  'unknown',
];
const DEPTHS = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8, 12, 13, 16];
const WRONG_VARIABLE_TYPES = ['String', 'Int!', '[ID]', 'Boolean', 'NoSuchType', 'WindowInput'];

class DocumentBuilder {
  private readonly variableDefinitions: string[] = [];
  private readonly variables: Record<string, unknown> = {};
  private readonly fragments: string[] = [];
  private fieldBudget = 40;

  constructor(
    private readonly g: fc.GeneratorValue,
    private readonly schema: GraphQLSchema,
    private readonly pools: ServerPools,
  ) {}

  build(): GraphqlCase {
    const isMutation = this.chance(12);
    const root = isMutation ? this.schema.getMutationType()! : this.schema.getQueryType()!;
    const maxDepth = this.pick(DEPTHS);
    const selection = this.selectionSet(root, 0, maxDepth);
    const definitions = this.variableDefinitions.length
      ? `(${this.variableDefinitions.join(', ')})`
      : '';
    const name = this.chance(30) ? ' FuzzOperation' : '';
    const query = [
      `${isMutation ? 'mutation' : 'query'}${name}${definitions} ${selection}`,
      ...this.fragments,
    ].join('\n');
    const body: Record<string, unknown> = { query };
    if (Object.keys(this.variables).length || this.chance(10)) body.variables = this.variables;
    if (name && this.chance(20)) body.operationName = this.pick(['FuzzOperation', 'Other']);
    return { key: this.pick(KEYS), body };
  }

  private selectionSet(type: GraphQLObjectType, depth: number, maxDepth: number): string {
    const fields = Object.values(type.getFields());
    const atBottom = depth >= maxDepth;
    const candidates = atBottom ? fields.filter((f) => isLeafType(getNamedType(f.type))) : fields;
    const count = this.int(1, depth === 0 ? 2 : 3);
    const parts: string[] = [];
    for (let i = 0; i < count && this.fieldBudget > 0; i++) {
      this.fieldBudget--;
      const roll = this.int(0, 99);
      if (roll < 3) parts.push(`noSuchField${this.int(0, 3)}`);
      else if (roll < 6 || candidates.length === 0) parts.push('__typename');
      else if (roll < 9 && !atBottom) {
        const onType = this.chance(80)
          ? type.name
          : this.pick(['Account', 'User', 'Query', 'Nope']);
        parts.push(`... on ${onType} ${this.selectionSet(type, depth + 1, maxDepth)}`);
      } else if (roll < 11 && !atBottom) {
        const name = `F${this.fragments.length}`;
        this.fragments.push(
          `fragment ${name} on ${type.name} ${this.selectionSet(type, depth + 1, maxDepth)}`,
        );
        parts.push(`...${name}`);
      } else if (roll < 12 && depth === 0 && type === this.schema.getQueryType()) {
        parts.push('__schema { queryType { name } types { name kind } }');
      } else {
        parts.push(this.field(this.pick(candidates), depth, maxDepth));
      }
    }
    return `{ ${parts.join(' ')} }`;
  }

  private field(field: GraphQLField<unknown, unknown>, depth: number, maxDepth: number): string {
    const alias = this.chance(10) ? `alias${this.int(0, 9)}: ` : '';
    const args = this.arguments(field.args, depth);
    const named = getNamedType(field.type);
    let selection = '';
    if (isObjectType(named)) {
      if (!this.chance(3)) selection = ` ${this.selectionSet(named, depth + 1, maxDepth)}`;
    } else if (this.chance(2)) {
      selection = ' { id }';
    }
    return `${alias}${field.name}${args}${selection}`;
  }

  /** Optional arguments are given more often at the root, where lookups by id and windows are. */
  private arguments(args: readonly GraphQLArgument[], depth: number): string {
    const parts: string[] = [];
    for (const arg of args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (!(required ? this.chance(95) : this.chance(depth === 0 ? 60 : 35))) continue;
      const value = this.value(arg.type, arg.name, 0);
      if (this.chance(20)) parts.push(`${arg.name}: ${this.variable(arg, value)}`);
      else parts.push(`${arg.name}: ${literalOf(value)}`);
    }
    if (this.chance(3)) parts.push('noSuchArgument: 1');
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  /** Declares a variable for an argument (sometimes with a wrong type) and gives it a value. */
  private variable(arg: GraphQLArgument, value: unknown): string {
    const name = `v${this.variableDefinitions.length}`;
    const declared = this.chance(85) ? String(arg.type) : this.pick(WRONG_VARIABLE_TYPES);
    this.variableDefinitions.push(`$${name}: ${declared}`);
    if (!this.chance(10)) this.variables[name] = variableValueOf(value);
    return this.chance(3) ? '$undeclared' : `$${name}`;
  }

  private value(type: GraphQLInputType, name: string, depth: number): unknown {
    if (this.chance(5)) return this.pick(WRONG_VALUES);
    if (isNonNullType(type)) return this.value(type.ofType, name, depth);
    if (isListType(type)) {
      if (this.chance(20)) return this.value(type.ofType, name, depth);
      return Array.from({ length: this.int(0, 3) }, () => this.value(type.ofType, name, depth));
    }
    if (isInputObjectType(type)) {
      const object: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields())) {
        const required = isNonNullType(field.type) && field.defaultValue === undefined;
        if (depth < 3 && (required ? this.chance(95) : this.chance(35)))
          object[field.name] = this.value(field.type, field.name, depth + 1);
      }
      if (this.chance(3)) object.noSuchInputField = 1;
      return object;
    }
    if (isEnumType(type)) {
      if (this.chance(90)) return new EnumValue(this.pick(type.getValues()).name);
      return this.chance(50) ? new EnumValue('NOT_A_VALUE') : type.getValues()[0].name;
    }
    return this.pick(scalarCandidates(type.name, name, this.pools));
  }

  private int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }

  private chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
}

const unparsableCase: fc.Arbitrary<GraphqlCase> = fc
  .oneof(
    fc.constantFrom(
      '',
      '{',
      '}',
      'query {',
      '{ accounts(first: ) { edges } }',
      '{ "accounts" }',
      'subscription { accounts { edges { cursor } } }',
      '{ accounts(first: 1) { edges { cursor } } } { plans { edges { cursor } } }',
      'query A { __typename } query B { __typename }',
      'fragment F on Account { ...F } { accounts(first: 1) { edges { node { ...F } } } }',
      '{ membershipRoles { code } }\u0000',
      `{ ${'a: __typename '.repeat(2000)}}`,
      `${'{ accounts(first: 1) { edges { node { users { accounts '.repeat(30)}`,
    ),
    fc.string({ maxLength: 60 }),
  )
  .map((query) => ({ key: 'admin' as const, body: { query } }));

const malformedBodyCase: fc.Arbitrary<GraphqlCase> = fc.constantFrom<GraphqlCase>(
  { key: 'admin', body: {} },
  { key: 'admin', body: { query: 42 } },
  { key: 'admin', body: { query: '{ __typename }', variables: 'not an object' } },
  { key: 'admin', body: { query: '{ __typename }', variables: [1, 2] } },
  { key: 'admin', body: { query: '{ __typename }', operationName: 7 } },
  {
    key: 'admin',
    body: {
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
    },
  },
  { key: 'admin', rawBody: '{"query": "{ __typename }"' },
  { key: 'admin', rawBody: '[{"query": "{ __typename }"}]' },
  { key: 'admin', rawBody: 'null' },
);
