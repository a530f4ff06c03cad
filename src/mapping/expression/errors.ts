/**
 * The two failure kinds of the expression language: one found when a mapping is loaded (the
 * config is wrong for everybody) and one found while mapping a single object (its data is wrong).
 */

/** A syntax or static error in an expression; `column` is the 1-based character position in the text. */
export class ExpressionError extends Error {
  readonly column: number;
  readonly reason: string;

  constructor(reason: string, column: number, text?: string) {
    super(`${reason} (${describePosition(column, text)})`);
    this.name = 'ExpressionError';
    this.reason = reason;
    this.column = column;
  }
}

/** One object's values cannot be evaluated (e.g. CDate of "not a date"); the engine reports it for that object only. */
export class ExpressionEvaluationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExpressionEvaluationError';
  }
}

// Multi-line expressions (the Flip Join) are easier to fix when the message also says line and column.
function describePosition(column: number, text: string | undefined): string {
  if (text === undefined || !text.includes('\n')) return `column ${column}`;
  const before = text.slice(0, Math.max(0, column - 1));
  const line = before.split('\n').length;
  const lineColumn = column - (before.lastIndexOf('\n') + 1);
  return `column ${column}, line ${line} column ${lineColumn}`;
}
