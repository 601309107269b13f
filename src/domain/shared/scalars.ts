import { GraphQLScalarType } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

/**
 * The `JSON` scalar of the API: a JSON object (traits, properties, definitions). graphql-scalars'
 * JSONObject does the parsing and checking; only the public name is ours.
 */
export const GraphQLJSON = new GraphQLScalarType({
  ...GraphQLJSONObject.toConfig(),
  name: 'JSON',
  description: 'A JSON object, e.g. { "plan": "growth", "seats": 5 }.',
});
