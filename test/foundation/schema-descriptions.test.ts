import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isIntrospectionType,
  type GraphQLSchema,
} from 'graphql';
import { buildHarmonySchema } from '../../src/server/graphql/schema';

/**
 * Every type, field, argument, input field and enum value of the schema has a description: the
 * IDE shows them, and they are the API's reference. The failure lists each missing coordinate
 * (`Type.field(argument:)`), so whoever added it knows where to write one.
 */
export function missingDescriptions(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const described = (text: string | null | undefined) => Boolean(text && text.trim());
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) {
          if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
      }
    }
  }
  return missing.sort();
}

test('every type, field, argument and enum value has a description', async () => {
  const missing = missingDescriptions(await buildHarmonySchema());
  if (missing.length) {
    throw new Error(
      `${missing.length} schema coordinates have no description; add one (type-graphql: ` +
        `{ description } on @ObjectType/@Field/@Arg, valuesConfig in registerEnumType):\n  ` +
        missing.join('\n  '),
    );
  }
});
