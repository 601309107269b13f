import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { GraphQLSchema } from 'graphql';

/** Deepest selection a query may have. */
export const MAX_QUERY_DEPTH = 12;
/** Most fields a query may ask for, counting each list field times its page size. */
export const MAX_QUERY_COMPLEXITY = 25_000;

export function queryLimitRules(): ValidationRule[] {
  const armor = new ApolloArmor({
    maxDepth: { n: MAX_QUERY_DEPTH },
    costLimit: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules as ValidationRule[];
}

/** A page field costs its children once per row it may return. */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args.first === 'number' ? args.first : undefined;
  return first !== undefined ? 1 + childComplexity * first : undefined;
};

/** Rejects queries that would fan out too far before any resolver runs. */
export function queryComplexityPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables,
            estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > MAX_QUERY_COMPLEXITY) {
            throw new GraphQLError(
              `Query too complex: ${complexity} fields, at most ${MAX_QUERY_COMPLEXITY}; ask for smaller pages or fewer nested fields`,
              {
                extensions: {
                  code: 'QUERY_TOO_COMPLEX',
                  complexity,
                  maximumComplexity: MAX_QUERY_COMPLEXITY,
                },
              },
            );
          }
        },
      };
    },
  };
}
