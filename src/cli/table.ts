/** A plain-text table for a terminal: columns as wide as their widest cell, numbers right-aligned, the last column free. */
export interface Column {
  readonly title: string;
  readonly align?: 'left' | 'right';
}

export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, i) => {
        // The last column is not padded: a long message then wraps instead of pushing every row wide.
        if (i === cells.length - 1) return cell;
        return columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)];
}
