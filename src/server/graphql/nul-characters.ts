import { Kind, visit, type ASTNode, type DocumentNode, type FieldNode } from 'graphql';

const NUL = '\u0000';

/**
 * Where a request carries the NUL character, which PostgreSQL cannot store in text: each
 * place named as `$variable.path[2]` or `field(argument)`. Checked before anything runs, so the
 * client learns which input was wrong instead of getting a database error.
 */
export function findNulCharacters(
  document: DocumentNode,
  variables: Record<string, unknown>,
): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(variables)) collectInValue(value, `$${name}`, found);
  visit(document, {
    Argument(argument, _key, _parent, _path, ancestors) {
      const field = [...ancestors].reverse().find(isField);
      const where = `${field ? field.name.value : 'directive'}(${argument.name.value})`;
      visit(argument.value, {
        StringValue(node) {
          if (node.value.includes(NUL)) found.push(where);
        },
      });
    },
  });
  return found;
}

function isField(node: ASTNode | readonly ASTNode[]): node is FieldNode {
  return !Array.isArray(node) && (node as ASTNode).kind === Kind.FIELD;
}

function collectInValue(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (value.includes(NUL)) found.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collectInValue(item, `${path}[${index}]`, found));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(NUL)) found.push(`${path}.${JSON.stringify(key)}`);
      collectInValue(item, `${path}.${key}`, found);
    }
  }
}
