import type { ProgressCounts } from '../scheduler/progress-counts.js';
import { formatNumber } from '../util/format-number.js';

/** One field of the live line; the least useful (lowest `keep`) go first when the terminal is narrow. */
interface Field {
  readonly text: string;
  readonly keep: number;
  /** The bar graphic: drawn first, then widened into whatever room is left. */
  readonly bar?: true;
}

/** Never dropped: what the run has cost and when it will end. */
const ALWAYS = Number.POSITIVE_INFINITY;
const SEPARATOR = ' | ';
const TIGHT_SEPARATOR = '|';
const BAR_MIN = 10;
const BAR_MAX = 30;
/** The bar outlasts the in-flight counts and the elapsed time, not the counts a user must act on. */
const BAR_KEEP = 4;

/** The line shown before any terminal width is known (a terminal that reports none). */
export const DEFAULT_COLUMNS = 80;


function fieldsOf(c: ProgressCounts, eta: string, elapsed: string | undefined, num: (n: number) => string, credits: string): Field[] {
  // A zero count says nothing: only counts above zero are shown, so the room goes to the bar.
  const count = (n: number, word: string, keep: number): Field[] => (n > 0 ? [{ text: `${num(n)} ${word}`, keep }] : []);
  return [
    { text: `[${'░'.repeat(BAR_MIN)}]`, keep: BAR_KEEP, bar: true },
    { text: `${num(c.succeeded)}/${num(c.total)} succeeded`, keep: ALWAYS },
    ...count(c.generating, 'generating', 2),
    ...count(c.downloading, 'downloading', 1),
    ...count(c.failed, 'failed', 8),
    ...count(c.moderated, 'moderated', 5),
    ...count(c.unknown, 'unknown', 7),
    ...count(c.skipped, 'skipped', 6),
    { text: `${num(c.creditsSpent)} ${credits}`, keep: ALWAYS },
    ...(elapsed === undefined ? [] : [{ text: `elapsed ${elapsed}`, keep: 3 }]),
    { text: `ETA ${eta}`, keep: ALWAYS },
  ];
}

/** The fields that fit `width`, the least useful dropped first; tighter separators when only essentials are left. */
function fitFields(fields: Field[], width: number): { fields: Field[]; separator: string; length: number } {
  let separator = SEPARATOR;
  const length = () => 1 + fields.reduce((sum, f, i) => sum + f.text.length + (i === 0 ? 0 : f.bar || fields[i - 1]!.bar ? 1 : separator.length), 0);
  while (length() > width) {
    let drop = -1;
    for (const [i, f] of fields.entries()) if (f.keep !== ALWAYS && (drop < 0 || f.keep < fields[drop]!.keep)) drop = i;
    if (drop < 0) break;
    fields.splice(drop, 1);
  }
  // Only the essentials left and still too wide (a million jobs at 60 columns): tighter separators.
  if (length() > width) separator = TIGHT_SEPARATOR;
  return { fields, separator, length: length() };
}

/**
 * The live progress line for a terminal `columns` wide, in the ledger's words. Counts that are zero are not
 * shown; every field that fits is, and past the width the least useful go first (downloading, generating, the
 * elapsed time, the bar, moderated, skipped, unknown, failed); the bar widens into the room left over. Credits,
 * the ETA and succeeded/total are never dropped, and fit together in 60 columns for any plausible run (a million
 * jobs, a billion credits, ETA in hours): numbers are grouped (15,050) unless that alone would not fit.
 */
export function progressLine(c: ProgressCounts, eta: string, columns: number = DEFAULT_COLUMNS, elapsed?: string, credits = 'credits'): string {
  // Three columns stay free: the terminal echoes Ctrl+C as "^C" after the line, and a line that wrapped could
  // not be erased in place (a fragment of the bar would stay above the summary).
  const width = Math.max(20, columns - 3);
  let fit = fitFields(fieldsOf(c, eta, elapsed, formatNumber, credits), width);
  if (fit.length > width) fit = fitFields(fieldsOf(c, eta, elapsed, String, credits), width);
  const { fields, separator, length } = fit;
  const parts = fields.map((f, i) => {
    const text = f.bar ? bar(c, Math.min(BAR_MAX, BAR_MIN + width - length)) : f.text;
    return i === 0 ? text : f.bar || fields[i - 1]!.bar ? ` ${text}` : `${separator}${text}`;
  });
  const line = ` ${parts.join('')}`;
  return line.length > width ? line.slice(0, width) : line;
}

/** `[█████░░░░░]`: the part of the jobs that reached a final state for this run. */
function bar(c: ProgressCounts, size: number): string {
  const done = c.total === 0 ? 1 : (c.succeeded + c.failed + c.moderated + c.unknown + c.skipped) / c.total;
  const full = Math.min(size, Math.round(done * size));
  return `[${'█'.repeat(full)}${'░'.repeat(size - full)}]`;
}
