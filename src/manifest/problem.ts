import type { PathSegment } from './yaml-source.js';

/** A problem found in a manifest before it is placed at a file position (parse-manifest.ts does that). */
export interface Problem {
  readonly severity: 'error' | 'warning';
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** Point at the key itself (an unknown key) rather than its value. */
  readonly atKey?: boolean;
  /**
   * Names (keys) whose value this problem depends on: when a schema-invalid node of that name was removed to
   * check the rest of the file, the problem may be only a consequence of the removal and is not reported.
   */
  readonly dependsOn?: readonly string[];
  /** An unknown key's likely intended name (its "did you mean"). */
  readonly meant?: string;
  /**
   * The field this problem says has no value anywhere: when an unknown key that probably misspells it was
   * removed, the problem is the typo's knock-on and is not reported (`qualty` never also says "quality is not
   * set").
   */
  readonly unset?: string;
}

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_-]*$/u;

/** `matrix.prompt[1].text`; odd keys are quoted and long ones shortened so a hostile key cannot flood a line. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment) && segment.length <= 64) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(shorten(segment, 40))}]`;
  }
  return out;
}

/** A value quoted in a message, cut to `max` characters. */
export function shorten(text: string, max = 60): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/** How a message names a value the user wrote. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(shorten(value)).replace(/\\u[0-9a-f]{4}/g, '?');
  return String(value);
}
