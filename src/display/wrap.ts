import type { Writable } from 'node:stream';
import stringWidth from 'string-width';

/** The width of a terminal stream; undefined for a pipe or file (whose text is not wrapped). */
export function terminalColumns(stream: Writable): number | undefined {
  const tty = stream as Writable & { isTTY?: boolean; columns?: number };
  return tty.isTTY && tty.columns ? tty.columns : undefined;
}

/**
 * Text wrapped at word boundaries to `columns` (terminal cells: wide characters count two). A line's
 * continuation is indented two more than the line itself, so a wrapped list entry stays readable; a word wider
 * than the line (a long path) is kept whole on a line of its own, never cut. `columns` undefined or 0: as is
 * (pipes and logs get one line per entry).
 */
export function wrapText(text: string, columns: number | undefined): string {
  if (!columns || columns <= 0) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, columns))
    .join('\n');
}

function wrapLine(line: string, columns: number): string {
  if (stringWidth(line) <= columns) return line;
  const indent = /^ */.exec(line)![0];
  const hanging = `${indent}  `;
  // Words with the spaces after them, so a double space inside a line ("file  status") survives.
  const tokens = line.slice(indent.length).match(/\S+\s*/g) ?? [];
  const out: string[] = [];
  let current = indent;
  for (const token of tokens) {
    const word = token.trimEnd();
    if (current.trim() !== '' && stringWidth(current + word) > columns) {
      out.push(current.trimEnd());
      current = hanging;
    }
    current += token;
  }
  out.push(current.trimEnd());
  return out.join('\n');
}
