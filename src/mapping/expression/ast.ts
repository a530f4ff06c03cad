/** Syntax tree of an expression. Every node keeps the 1-based column where it starts, for error messages. */

export type ComparisonOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';

export interface StringLiteralNode {
  readonly kind: 'string';
  readonly value: string;
  readonly column: number;
}

export interface NumberLiteralNode {
  readonly kind: 'number';
  readonly value: number;
  readonly column: number;
}

export interface AttributeNode {
  readonly kind: 'attribute';
  /** As written between the brackets (trimmed). */
  readonly name: string;
  readonly column: number;
}

/** A bare word such as vbTextCompare. */
export interface EnumWordNode {
  readonly kind: 'enum';
  readonly name: string;
  readonly column: number;
}

export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly ArgumentNode[];
  readonly column: number;
}

export interface ComparisonNode {
  readonly kind: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: OperandNode;
  readonly right: OperandNode;
  readonly column: number;
}

/** Nothing between two commas: an optional argument left out while keeping the positions of later ones. */
export interface OmittedNode {
  readonly kind: 'omitted';
  readonly column: number;
}

export type OperandNode = StringLiteralNode | NumberLiteralNode | AttributeNode | EnumWordNode | CallNode;
export type ArgumentNode = OperandNode | ComparisonNode | OmittedNode;
