/**
 * Recursive-descent parser for Entra attribute-mapping expressions:
 *
 *   expression := operand EOF
 *   operand    := STRING | NUMBER | ATTRIBUTE | IDENTIFIER | IDENTIFIER "(" arguments? ")"
 *   arguments  := argument ("," argument)*
 *   argument   := <nothing> | operand (OPERATOR operand)?
 *
 * Comparisons exist only as arguments (IIF/CBool conditions), as in Entra.
 */
import type { ArgumentNode, CallNode, OperandNode } from './ast.js';
import { ExpressionError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

export const MAX_EXPRESSION_LENGTH = 10_000;

export function parseExpression(text: string): OperandNode {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `Expression is ${text.length.toLocaleString('en-US')} characters long; Entra allows at most 10,000`,
      MAX_EXPRESSION_LENGTH + 1,
    );
  }
  if (text.trim() === '') throw new ExpressionError('Expression is empty', 1, text);
  return new Parser(text, tokenize(text)).parseRoot();
}

class Parser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseRoot(): OperandNode {
    const root = this.parseOperand();
    const next = this.peek();
    if (next.kind === 'operator') {
      this.fail(`Comparison "${next.operator}" is only allowed inside a function argument, e.g. IIF([a] ${next.operator} "x", ...)`, next);
    }
    if (next.kind !== 'eof') this.fail(`Unexpected ${describe(next)} after the end of the expression`, next);
    return root;
  }

  private parseOperand(): OperandNode {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: token.value, column: token.column };
      case 'number':
        return { kind: 'number', value: token.value, column: token.column };
      case 'attribute':
        return { kind: 'attribute', name: token.name, column: token.column };
      case 'identifier':
        if (this.peek().kind === '(') return this.parseCall(token.name, token.column);
        return { kind: 'enum', name: token.name, column: token.column };
      default:
        return this.fail(`Expected a function call, [attribute], "string" or number but found ${describe(token)}`, token);
    }
  }

  private parseCall(name: string, column: number): CallNode {
    this.next(); // "("
    const args: ArgumentNode[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return { kind: 'call', name, args, column };
    }
    for (;;) {
      args.push(this.parseArgument(name, column));
      const token = this.next();
      if (token.kind === ')') return { kind: 'call', name, args, column };
      if (token.kind === ',') continue;
      if (token.kind === 'eof') {
        this.fail(`Missing ")" to close ${name}( — the expression ends before it is closed`, { column });
      }
      this.fail(`Expected "," or ")" in the arguments of ${name} but found ${describe(token)}`, token);
    }
  }

  private parseArgument(functionName: string, functionColumn: number): ArgumentNode {
    const start = this.peek();
    if (start.kind === ',' || start.kind === ')') return { kind: 'omitted', column: start.column };
    if (start.kind === 'eof') {
      this.fail(`Missing ")" to close ${functionName}( — the expression ends before it is closed`, { column: functionColumn });
    }
    const left = this.parseOperand();
    const operator = this.peek();
    if (operator.kind !== 'operator') return left;
    this.next();
    const right = this.parseOperand();
    const after = this.peek();
    if (after.kind === 'operator') {
      this.fail('Comparisons cannot be chained; nest IIF calls instead (IIF has no AND/OR)', after);
    }
    return { kind: 'comparison', operator: operator.operator, left, right, column: left.column };
  }

  private peek(): Token {
    return this.tokens[this.position] as Token;
  }

  private next(): Token {
    const token = this.tokens[this.position] as Token;
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private fail(reason: string, at: { column: number }): never {
    throw new ExpressionError(reason, at.column, this.text);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'string':
      return `string "${token.value}"`;
    case 'number':
      return `number ${token.value}`;
    case 'attribute':
      return `[${token.name}]`;
    case 'identifier':
      return `"${token.name}"`;
    case 'operator':
      return `"${token.operator}"`;
    default:
      return `"${token.kind}"`;
  }
}
