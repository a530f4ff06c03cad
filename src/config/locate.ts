/**
 * Where a key path is in the YAML file. A key is located at its own line (the line of "mapings:",
 * not of its parent or its value), and a key that is missing at the line of its nearest parent.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

interface Ranged {
  readonly range?: readonly [number, number, number] | null;
}

export function lineOfPath(document: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = document.contents;
  let line = startLine(node, lines);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
      if (!pair) break;
      line = startLine(pair.key, lines) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (item === undefined) break;
      line = startLine(item, lines) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function startLine(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as Ranged | null | undefined)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}
