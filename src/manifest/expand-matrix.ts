import { didYouMean } from './did-you-mean.js';
import type { Problem } from './problem.js';

/** One matrix axis: a key and its values, in the order written. */
export interface Axis {
  readonly key: string;
  readonly values: readonly unknown[];
}

export type MatrixEntry = Readonly<Record<string, unknown>>;

/**
 * One combination, kept compact so 100,000 of them stay cheap: an index into each axis (absent for a
 * combination an include entry added on its own), and the keys include entries added, each pointing at the
 * entry that set it last.
 */
export interface Combination {
  readonly indexes?: readonly number[];
  added?: Record<string, number>;
  /** For a combination an include entry added on its own: that entry's index. */
  readonly entry?: number;
}

export interface MatrixSpec {
  readonly axes: readonly Axis[];
  readonly include?: readonly MatrixEntry[];
  readonly exclude?: readonly MatrixEntry[];
  /** Whether an include/exclude value names an axis value (e.g. a prompt by its id or its text). */
  readonly equals?: (key: string, axisValue: unknown, entryValue: unknown) => boolean;
}

const strictEquals = (_key: string, a: unknown, b: unknown): boolean => a === b;

/** For each key of an entry that is an axis: which of that axis's values it names. */
function constraintsOf(spec: MatrixSpec, entry: MatrixEntry, axisIndex: ReadonlyMap<string, number>): { axis: number; allowed: boolean[] }[] {
  const equals = spec.equals ?? strictEquals;
  const out: { axis: number; allowed: boolean[] }[] = [];
  for (const [key, value] of Object.entries(entry)) {
    const a = axisIndex.get(key);
    if (a === undefined) continue;
    out.push({ axis: a, allowed: spec.axes[a]!.values.map((v) => equals(key, v, value)) });
  }
  return out;
}

function matches(indexes: readonly number[], constraints: readonly { axis: number; allowed: boolean[] }[]): boolean {
  for (const c of constraints) if (!c.allowed[indexes[c.axis]!]) return false;
  return true;
}

/** The number of combinations of the axes before exclude and include, computed without building them. */
export function productSize(axes: readonly Axis[]): number {
  return axes.length === 0 ? 0 : axes.reduce((n, a) => n * a.values.length, 1);
}

/**
 * Expands a matrix by GitHub Actions' rules: the cartesian product of the axes (first axis slowest), minus
 * every combination an `exclude` entry partially matches; then each `include` entry is merged into every
 * remaining original combination whose axis values it does not overwrite (values added by an earlier include
 * may be overwritten), or, when it fits none, added as a combination of its own. A matrix of only `include`
 * yields one combination per entry. `problems` carries exclude keys that are not axes (errors, as GitHub
 * does) and exclude entries that match nothing (warnings: likely a typo).
 */
export function expandMatrix(spec: MatrixSpec): { combinations: Combination[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const axisIndex = new Map(spec.axes.map((a, i) => [a.key, i] as const));
  const axisKeys = spec.axes.map((a) => a.key);

  const excludes = (spec.exclude ?? []).map((entry, e) => {
    for (const key of Object.keys(entry)) {
      if (!axisIndex.has(key)) {
        problems.push({ severity: 'error', path: ['matrix', 'exclude', e, key], atKey: true, message: `exclude key "${key}" is not a matrix axis${didYouMean(key, axisKeys)}`, dependsOn: [key] });
      }
    }
    if (Object.keys(entry).length === 0) {
      problems.push({ severity: 'error', path: ['matrix', 'exclude', e], message: 'an empty exclude entry would exclude every combination' });
    }
    return { e, constraints: constraintsOf(spec, entry, axisIndex), used: false };
  });

  const combinations: Combination[] = [];
  const total = productSize(spec.axes);
  if (total > 0) {
    const sizes = spec.axes.map((a) => a.values.length);
    const indexes = new Array<number>(sizes.length).fill(0);
    for (let n = 0; n < total; n++) {
      let excluded = false;
      for (const ex of excludes) {
        if (ex.constraints.length > 0 && matches(indexes, ex.constraints)) {
          ex.used = true;
          excluded = true;
          break;
        }
      }
      if (!excluded) combinations.push({ indexes: indexes.slice() });
      for (let a = sizes.length - 1; a >= 0; a--) {
        if (++indexes[a]! < sizes[a]!) break;
        indexes[a] = 0;
      }
    }
  }
  for (const ex of excludes) {
    if (!ex.used && ex.constraints.length > 0 && ex.constraints.length === Object.keys(spec.exclude![ex.e]!).length) {
      problems.push({ severity: 'warning', path: ['matrix', 'exclude', ex.e], message: 'this exclude entry matches no combination', dependsOn: Object.keys(spec.exclude![ex.e]!) });
    }
  }

  const originals = combinations.length;
  (spec.include ?? []).forEach((entry, i) => {
    const constraints = constraintsOf(spec, entry, axisIndex);
    const addedKeys = Object.keys(entry).filter((k) => !axisIndex.has(k));
    let merged = false;
    for (let c = 0; c < originals; c++) {
      const combo = combinations[c]!;
      if (!matches(combo.indexes!, constraints)) continue;
      merged = true;
      if (addedKeys.length === 0) continue;
      combo.added ??= {};
      for (const k of addedKeys) combo.added[k] = i;
    }
    if (!merged) combinations.push({ added: Object.fromEntries(Object.keys(entry).map((k) => [k, i])), entry: i });
  });
  return { combinations, problems };
}

/** A combination as a plain record of key → value (tests, and small matrices). */
export function combinationRecord(spec: MatrixSpec, combo: Combination): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (combo.indexes) spec.axes.forEach((a, i) => (out[a.key] = a.values[combo.indexes![i]!]));
  for (const [k, e] of Object.entries(combo.added ?? {})) out[k] = spec.include![e]![k];
  return out;
}
