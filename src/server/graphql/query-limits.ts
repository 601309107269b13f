import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { LRUCache } from 'lru-cache';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { ERROR_CODES, HarmonyError, type ErrorCode } from '../../shared/errors';
import { findNulCharacters } from './nul-characters';

/** Deepest selection a query may have. */
export const MAX_QUERY_DEPTH = 12;
/** Most aliases one operation may use (each alias is another evaluation of its field). */
export const MAX_ALIASES = 50;
/** Most directives one operation may use. */
export const MAX_DIRECTIVES = 20;
/** Most lexical tokens a document may have; bulk inputs belong in variables. */
export const MAX_TOKENS = 10_000;
/** Most fields a query may ask for, counting each list field times the rows it may return. */
export const MAX_QUERY_COMPLEXITY = 25_000;
/** Most metric evaluations (SQL) one request may cause. */
export const MAX_METRIC_EVALUATIONS = 60;
/** What one top-level metric evaluation costs: a SQL statement over the event tables. */
export const METRIC_EVALUATION_COST = 100;
/** What Account.metric costs per account: one evaluation per page, shared by its rows. */
export const ACCOUNT_METRIC_COST = 10;

/** A refused request: HTTP 400 with the limit's code, through the one error formatter. */
function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return new GraphQLError(message, {
    originalError: new HarmonyError(code, message, details),
    extensions: { http: { status: ERROR_CODES[code] } },
  });
}

/** Reports an armor refusal with its own code instead of armor's generic BAD_USER_INPUT. */
function reportAs(code: ErrorCode, limit: number, hint: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const message = `${error.message.replace(/^Syntax Error: /, '')} ${hint}`;
        context?.reportError(refusal(code, message, { limit }));
      },
    ],
  };
}

/** Depth, aliases and directives, checked by GraphQL Armor while the document is validated. */
export function queryLimitRules(): ValidationRule[] {
  const armor = new ApolloArmor({
    maxDepth: {
      n: MAX_QUERY_DEPTH,
      ...reportAs('QUERY_TOO_DEEP', MAX_QUERY_DEPTH, 'Ask for fewer nested levels.'),
    },
    maxAliases: {
      n: MAX_ALIASES,
      ...reportAs('TOO_MANY_ALIASES', MAX_ALIASES, 'Split the query into several requests.'),
    },
    maxDirectives: {
      n: MAX_DIRECTIVES,
      ...reportAs('TOO_MANY_DIRECTIVES', MAX_DIRECTIVES, 'Use fewer @include/@skip directives.'),
    },
    // Tokens are counted by graphql-js's own parser (see `parseOptions`): armor's token plugin
    // throws from a parsing hook, which Apollo Server 5 answers with a 500.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules as ValidationRule[];
}

/** Options for Apollo's parser: a document with more tokens is refused before it is built. */
export const parseOptions = { maxTokens: MAX_TOKENS };

/**
 * A list field costs its children once per row it may return: `first` (with its default) for
 * pages and nested lists, the number of `inputs` for the plural upserts.
 */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  if (typeof args.first === 'number') return 1 + childComplexity * Math.max(1, args.first);
  if (Array.isArray(args.inputs)) return 1 + childComplexity * Math.max(1, args.inputs.length);
  return undefined;
};

/** How many names a `metrics(names)` field evaluates (at least one, for the cost). */
function nameCount(args: Record<string, unknown>): number {
  return Array.isArray(args.names) ? Math.max(1, args.names.length) : 1;
}

/** Metric fields cost a SQL evaluation each, per name for `metrics(names)`. */
const metricCostEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const onAccount = type.name === 'Account';
  if (!isMetricField(type.name, field.name)) return undefined;
  const perEvaluation =
    (onAccount ? ACCOUNT_METRIC_COST : METRIC_EVALUATION_COST) + childComplexity;
  return field.name === 'metrics' ? nameCount(args) * perEvaluation : perEvaluation;
};

function isMetricField(typeName: string, fieldName: string): boolean {
  return (
    (typeName === 'Query' || typeName === 'Account') &&
    (fieldName === 'metric' || fieldName === 'metrics')
  );
}

/**
 * Counts the metric evaluations a request causes: a top-level metric runs one, plus one for the
 * ungrouped total when grouped and one for the comparison; Account.metric runs one per
 * occurrence for the whole page (DataLoader), so lists do not multiply it.
 */
const metricEvaluationEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (!isMetricField(type.name, field.name)) return childComplexity;
  const grouped = Array.isArray(args.groupBy) && args.groupBy.length > 0 ? 1 : 0;
  const compared = args.compare ? 1 : 0;
  const perName = type.name === 'Query' ? 1 + grouped + compared : 1;
  return childComplexity + (field.name === 'metrics' ? nameCount(args) : 1) * perName;
};

/**
 * Refuses, before any resolver runs, requests whose variables do not fit their types, that
 * carry NUL characters, that would fan out too far or evaluate too many metrics. Each refusal
 * is HTTP 400 with a code naming the limit.
 */
export function queryLimitsPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  const passed = new PassedChecks();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (!operation || passed.has(document, request)) return;
          assertWithinLimits(schema, document, operation, request);
          passed.add(document, request);
        },
      };
    },
  };
}

/** Variables longer than this (bulk upserts) are checked every time rather than remembered. */
const MAX_REMEMBERED_VARIABLES_LENGTH = 2048;
/** Variable sets remembered per document. */
const MAX_PASSES_PER_DOCUMENT = 64;

/**
 * The checks are a pure function of the document, operation name and variables: remember which
 * passed, per parsed document (Apollo's bounded document store hands the same DocumentNode to
 * every request with the same text), so a dashboard repeating its query pays for the complexity
 * walks once. Weakly keyed by document, bounded per document; refusals are always recomputed.
 */
class PassedChecks {
  private readonly byDocument = new WeakMap<DocumentNode, LRUCache<string, true>>();

  has(document: DocumentNode, request: Request): boolean {
    const key = rememberedKey(request);
    return key !== null && this.byDocument.get(document)?.get(key) === true;
  }

  add(document: DocumentNode, request: Request): void {
    const key = rememberedKey(request);
    if (key === null) return;
    let passes = this.byDocument.get(document);
    if (!passes) {
      passes = new LRUCache({ max: MAX_PASSES_PER_DOCUMENT });
      this.byDocument.set(document, passes);
    }
    passes.set(key, true);
  }
}

function rememberedKey(request: Request): string | null {
  const key = `${request.operationName ?? ''}\u0000${JSON.stringify(request.variables ?? {})}`;
  return key.length > MAX_REMEMBERED_VARIABLES_LENGTH ? null : key;
}

type Request = { operationName?: string | null; variables?: Record<string, unknown> | null };

/**
 * The checks after validation, for HTTP requests and WebSocket operations alike: variables that
 * fit their types, no NUL characters, cost and metric evaluations within the limits.
 */
export function assertWithinLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  request: Request,
): void {
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    request.variables ?? {},
  );
  if (coerced.errors) {
    const message = coerced.errors.map((error) => error.message).join('; ');
    throw refusal('BAD_USER_INPUT', message, { field: 'variables' });
  }
  const nul = findNulCharacters(document, request.variables ?? {})[0];
  if (nul) {
    throw refusal('BAD_USER_INPUT', `${nul}: text may not contain the NUL character (\\u0000)`, {
      field: nul,
    });
  }
  assertComplexity(schema, document, request);
  assertMetricEvaluations(schema, document, request);
}

function measure(
  schema: GraphQLSchema,
  document: DocumentNode,
  request: Request,
  estimators: ComplexityEstimator[],
): number {
  return getComplexity({
    schema,
    query: document,
    operationName: request.operationName ?? undefined,
    variables: request.variables ?? {},
    estimators,
  });
}

function assertComplexity(schema: GraphQLSchema, document: DocumentNode, request: Request) {
  const complexity = measure(schema, document, request, [
    metricCostEstimator,
    pageSizeEstimator,
    simpleEstimator({ defaultComplexity: 1 }),
  ]);
  if (complexity > MAX_QUERY_COMPLEXITY) {
    throw refusal(
      'QUERY_TOO_COMPLEX',
      `Query too complex: ${complexity} fields, at most ${MAX_QUERY_COMPLEXITY}. Each list counts ` +
        `its fields once per row it may return (its \`first\`; nested lists default to 100), ` +
        `a metric evaluation ${METRIC_EVALUATION_COST} (${ACCOUNT_METRIC_COST} per account). ` +
        `Ask for smaller pages (a smaller \`first\`) or fewer nested fields.`,
      { complexity, maximumComplexity: MAX_QUERY_COMPLEXITY },
    );
  }
}

function assertMetricEvaluations(schema: GraphQLSchema, document: DocumentNode, request: Request) {
  const evaluations = measure(schema, document, request, [metricEvaluationEstimator]);
  if (evaluations > MAX_METRIC_EVALUATIONS) {
    throw refusal(
      'TOO_MANY_METRIC_EVALUATIONS',
      `The request would run ${evaluations} metric evaluations, at most ${MAX_METRIC_EVALUATIONS} ` +
        `(each metric field or name counts one, a groupBy and a compare one more each). ` +
        `Split it into several requests.`,
      { evaluations, maximumEvaluations: MAX_METRIC_EVALUATIONS },
    );
  }
}
