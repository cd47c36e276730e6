import type { ProgressCounts } from '../scheduler/progress-counts.js';

/** One field of the live line; the least useful (lowest `keep`) go first when the terminal is narrow. */
interface Field {
  readonly text: string;
  readonly keep: number;
}

/** Never dropped: what the run has cost and when it will end. */
const ALWAYS = Number.POSITIVE_INFINITY;
const SEPARATOR = ' | ';
const TIGHT_SEPARATOR = '|';
const BAR_MIN = 10;
const BAR_MAX = 30;

/** The line shown before any terminal width is known (a terminal that reports none). */
export const DEFAULT_COLUMNS = 80;

/**
 * The live progress line for a terminal `columns` wide, in the ledger's words. Every field that fits is shown;
 * past the width the least useful go first (downloading, generating, moderated, skipped, unknown, failed), and
 * the bar graphic takes only the room left over. Credits, the ETA and succeeded/total are never dropped, and
 * fit together in 60 columns for any plausible run (a million jobs, a billion credits, ETA in hours).
 * Counts that are zero are not shown for moderated, unknown and skipped (they are rare); failed always is.
 */
export function progressLine(c: ProgressCounts, eta: string, columns: number = DEFAULT_COLUMNS): string {
  // Three columns stay free: the terminal echoes Ctrl+C as "^C" after the line, and a line that wrapped could
  // not be erased in place (a fragment of the bar would stay above the summary).
  const width = Math.max(20, columns - 3);
  const fields: Field[] = [
    { text: `${c.succeeded}/${c.total} succeeded`, keep: ALWAYS },
    { text: `${c.generating} generating`, keep: 2 },
    { text: `${c.downloading} downloading`, keep: 1 },
    { text: `${c.failed} failed`, keep: 7 },
    ...(c.moderated > 0 ? [{ text: `${c.moderated} moderated`, keep: 3 }] : []),
    ...(c.unknown > 0 ? [{ text: `${c.unknown} unknown`, keep: 6 }] : []),
    ...(c.skipped > 0 ? [{ text: `${c.skipped} skipped`, keep: 4 }] : []),
    { text: `${c.creditsSpent} credits`, keep: ALWAYS },
    { text: `ETA ${eta}`, keep: ALWAYS },
  ];
  let separator = SEPARATOR;
  const length = () => 1 + fields.reduce((sum, f, i) => sum + f.text.length + (i > 0 ? separator.length : 0), 0);
  while (length() > width) {
    let drop = -1;
    for (const [i, f] of fields.entries()) if (f.keep !== ALWAYS && (drop < 0 || f.keep < fields[drop]!.keep)) drop = i;
    if (drop < 0) break;
    fields.splice(drop, 1);
  }
  // Only the essentials left and still too wide (a million jobs at 60 columns): tighter separators.
  if (length() > width) separator = TIGHT_SEPARATOR;
  const text = fields.map((f) => f.text).join(separator);
  const room = width - length() - 3; // "[", "]" and a space
  const barSize = Math.min(BAR_MAX, room);
  const line = barSize >= BAR_MIN ? ` ${bar(c, barSize)} ${text}` : ` ${text}`;
  return line.length > width ? line.slice(0, width) : line;
}

/** `[█████░░░░░]`: the part of the jobs that reached a final state for this run. */
function bar(c: ProgressCounts, size: number): string {
  const done = c.total === 0 ? 1 : (c.succeeded + c.failed + c.moderated + c.unknown + c.skipped) / c.total;
  const full = Math.min(size, Math.round(done * size));
  return `[${'█'.repeat(full)}${'░'.repeat(size - full)}]`;
}
