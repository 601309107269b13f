/**
 * Arithmetic over other metrics for `derived` metrics: numbers, identifiers, + - * /, unary
 * minus and parentheses. Parsed once at load time; evaluated per bucket in TypeScript, so an
 * expression never becomes SQL text.
 */
export type Expression =
  | { kind: 'number'; value: number }
  | { kind: 'identifier'; name: string }
  | { kind: 'negate'; operand: Expression }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/'; left: Expression; right: Expression };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|([a-z][a-z0-9_]*)|([-+*/()]))/y;

/** Parses an expression; throws an Error saying where and what was expected. */
export function parseExpression(source: string): Expression {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`expression: unexpected "${source.slice(at).trim()[0]}" at ${at}`);
    tokens.push(match[1] ?? match[2] ?? match[3]);
  }
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  // additive := term (('+' | '-') term)*
  const additive = (): Expression => {
    let left = term();
    while (peek() === '+' || peek() === '-') {
      const operator = next() as '+' | '-';
      left = { kind: 'binary', operator, left, right: term() };
    }
    return left;
  };
  // term := unary (('*' | '/') unary)*
  const term = (): Expression => {
    let left = unary();
    while (peek() === '*' || peek() === '/') {
      const operator = next() as '*' | '/';
      left = { kind: 'binary', operator, left, right: unary() };
    }
    return left;
  };
  const unary = (): Expression => {
    if (peek() === '-') {
      next();
      return { kind: 'negate', operand: unary() };
    }
    return primary();
  };
  const primary = (): Expression => {
    const token = next();
    if (token === undefined) throw new Error('expression: ended early, expected a value');
    if (token === '(') {
      const inner = additive();
      if (next() !== ')') throw new Error('expression: expected ")"');
      return inner;
    }
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (/^[a-z]/.test(token)) return { kind: 'identifier', name: token };
    throw new Error(`expression: expected a number, a metric name or "(", got "${token}"`);
  };

  const expression = additive();
  if (position < tokens.length) {
    throw new Error(`expression: unexpected "${tokens[position]}" after a complete expression`);
  }
  return expression;
}

/** Every identifier the expression reads. */
export function identifiersOf(expression: Expression): string[] {
  switch (expression.kind) {
    case 'number':
      return [];
    case 'identifier':
      return [expression.name];
    case 'negate':
      return identifiersOf(expression.operand);
    case 'binary':
      return [...new Set([...identifiersOf(expression.left), ...identifiersOf(expression.right)])];
  }
}

/** Evaluates with the given values; a division by zero gives 0, as an empty bucket does. */
export function evaluateExpression(expression: Expression, values: Record<string, number>): number {
  switch (expression.kind) {
    case 'number':
      return expression.value;
    case 'identifier':
      return values[expression.name] ?? 0;
    case 'negate':
      return -evaluateExpression(expression.operand, values);
    case 'binary': {
      const left = evaluateExpression(expression.left, values);
      const right = evaluateExpression(expression.right, values);
      if (expression.operator === '+') return left + right;
      if (expression.operator === '-') return left - right;
      if (expression.operator === '*') return left * right;
      return right === 0 ? 0 : left / right;
    }
  }
}
