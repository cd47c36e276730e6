import type { Shard } from '../manifest/types.js';
import { InvalidArgumentError } from 'commander';

export { processIO, type CommandIO } from '../commands/command-io.js';

/** Commander option parsers: a bad value is a usage error (exit 2) that names the flag's rule and the value. */
interface NumberRule {
  readonly integer: boolean;
  readonly min: number;
  /** The lower bound itself is refused (a positive number). */
  readonly minExclusive?: boolean;
  readonly max: number;
}

function shown(value: string): string {
  const text = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function describeRule(rule: NumberRule): string {
  const what = rule.integer ? 'a whole number' : 'a number';
  const low = rule.minExclusive ? `greater than ${rule.min}` : `of ${rule.min} or more`;
  return rule.max === Number.MAX_SAFE_INTEGER ? `${what} ${low}` : `${what} ${low} and at most ${rule.max.toLocaleString('en-US')}`;
}

/** A parser for one numeric flag: decimal notation only (no hex, no blanks), finite, inside its range. */
export function numberParser(rule: NumberRule): (value: string) => number {
  return (value: string): number => {
    const text = value.trim();
    const n = /^[+]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
    const ok = Number.isFinite(n) && (!rule.integer || Number.isInteger(n)) && (rule.minExclusive ? n > rule.min : n >= rule.min) && n <= rule.max;
    if (!ok) throw new InvalidArgumentError(`expected ${describeRule(rule)}, got ${shown(value)}`);
    return n;
  };
}

export const parsePositiveInt = numberParser({ integer: true, min: 1, max: Number.MAX_SAFE_INTEGER });
export const parseNonNegativeInt = numberParser({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
export const parsePositiveNumber = numberParser({ integer: false, min: 0, minExclusive: true, max: Number.MAX_SAFE_INTEGER });
/** `--time-scale`: below 1 rehearses faster; the range keeps every scaled delay a meaningful timer. */
export const parseTimeScale = numberParser({ integer: false, min: 0, minExclusive: true, max: 100 });
/** `--job-timeout` in seconds: at most 30 days (a generation takes minutes; longer is a typo). */
export const parseJobTimeout = numberParser({ integer: false, min: 0, minExclusive: true, max: 30 * 86_400 });
/** `--retries`: more than 100 tries of one call is a typo, not a policy. */
export const parseRetries = numberParser({ integer: true, min: 0, max: 100 });
/** A share: above 0, at most 1 (`--breaker-rate`). */
export const parseRate = numberParser({ integer: false, min: 0, minExclusive: true, max: 1 });
/** `--port`: a TCP port, 0 for any free one. */
export const parsePort = numberParser({ integer: true, min: 0, max: 65_535 });

/** pino's levels: what `--log-level` accepts. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export type { Shard } from '../manifest/types.js';

export function parseShard(value: string): Shard {
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`expected k/n with 1 ≤ k ≤ n, e.g. 2/4, got ${shown(value)}`);
  return { index, count };
}
