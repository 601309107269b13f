import { evaluateExpression, identifiersOf, parseExpression } from './expression';

test('precedence, parentheses, unary minus and identifiers', () => {
  const expression = parseExpression('(arr - arr_before) / arr_before * 100 + -1');
  expect(identifiersOf(expression)).toEqual(['arr', 'arr_before']);
  expect(evaluateExpression(expression, { arr: 150, arr_before: 100 })).toBe(49);
});

test('division by zero gives 0, like an empty bucket', () => {
  expect(evaluateExpression(parseExpression('a / b'), { a: 5, b: 0 })).toBe(0);
});

test('syntax errors say what was expected', () => {
  expect(() => parseExpression('a +')).toThrow('expression: ended early, expected a value');
  expect(() => parseExpression('a b')).toThrow('unexpected "b" after a complete expression');
  expect(() => parseExpression('(a')).toThrow('expected ")"');
  expect(() => parseExpression('a ; drop')).toThrow('unexpected ";"');
});
