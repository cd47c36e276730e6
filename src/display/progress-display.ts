import type { Writable } from 'node:stream';
import { etaMs, formatDuration, remainingJobs, type ProgressCounts } from '../scheduler/progress-counts.js';
import { DEFAULT_COLUMNS, progressLine } from './progress-line.js';
import { formatNumber } from '../util/format-number.js';

export interface ProgressDisplay {
  /** Prints a line of its own (e.g. "SIGINT: stopping …") without tearing the display. */
  notice(text: string): void;
  /** Stops the display; on a terminal the live line is erased, so what is printed next starts on a clean line. */
  stop(): void;
}

/** A terminal stream: `columns` is its current width (it follows resizes). */
type TerminalStream = Writable & { readonly columns?: number };

const CLEAR_LINE = '\r\x1b[2K';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** What to write to leave a terminal usable if the process exits while the live line is shown. */
export const RESTORE_TERMINAL = `${CLEAR_LINE}${SHOW_CURSOR}`;

/**
 * The live line on a terminal, redrawn in place 5 times a second and fitted to the terminal's width each time
 * (see `progressLine`). Nothing else may write to the terminal's stderr meanwhile except through `notice`.
 */
/** `credits`: what the credits are called ("simulated credits" in a rehearsal, util/format-number's creditsWord). */
export function startTtyProgress(stream: TerminalStream, read: () => ProgressCounts, credits = 'credits'): ProgressDisplay {
  const started = Date.now();
  let stopped = false;
  const render = () => {
    const c = read();
    const elapsed = Date.now() - started;
    const eta = etaMs(c, elapsed);
    const columns = stream.columns || DEFAULT_COLUMNS;
    // While the service looks down, that is the line (issue 21): what is happening, not a stalled count.
    stream.write(`${CLEAR_LINE}${c.outage ? c.outage.slice(0, columns - 1) : progressLine(c, eta === null ? '…' : formatDuration(eta), columns, formatDuration(elapsed), credits)}`);
  };
  stream.write(HIDE_CURSOR);
  render();
  const timer = setInterval(render, 200);
  timer.unref();
  return {
    notice(text) {
      if (stopped) {
        stream.write(`${text}\n`);
        return;
      }
      stream.write(`${CLEAR_LINE}${text}\n`);
      render();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write(RESTORE_TERMINAL);
    },
  };
}

/**
 * In CI and pipes: a plain `progress:` line every `everyMs`, with an ETA (from the jobs' typical generation time
 * until the run's own pace is known), and a last one at the end that says how long the run took instead.
 */
export function startLineProgress(stream: Writable, read: () => ProgressCounts, everyMs = 10_000, credits = 'credits'): ProgressDisplay {
  const started = Date.now();
  let stopped = false;
  const line = (final: boolean) => {
    const c = read();
    const elapsed = Date.now() - started;
    const n = formatNumber;
    const parts = [`${n(c.succeeded)}/${n(c.total)} succeeded`, `${n(c.generating)} generating`, `${n(c.downloading)} downloading`, `${n(c.failed)} failed`];
    for (const [count, word] of [[c.moderated, 'moderated'], [c.unknown, 'unknown'], [c.skipped, 'skipped']] as const) if (count > 0) parts.push(`${n(count)} ${word}`);
    parts.push(`${n(c.creditsSpent)} ${credits} spent`);
    if (c.outage) parts.push(c.outage);
    let tail: string;
    if (final) {
      const left = remainingJobs(c);
      tail = `(${left > 0 ? `${left} unfinished, ` : ''}${formatDuration(elapsed)} in all)`;
    } else {
      const eta = etaMs(c, elapsed);
      parts.push(`ETA ${eta === null ? 'unknown' : formatDuration(eta)}`);
      tail = `(${formatDuration(elapsed)} elapsed)`;
    }
    stream.write(`progress: ${parts.join(', ')} ${tail}\n`);
  };
  const timer = setInterval(() => line(false), everyMs);
  timer.unref();
  return {
    notice(text) {
      stream.write(`${text}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      line(true);
    },
  };
}
