import { IMAGE_FIELDS, SEED_MAX } from '../model/capabilities.js';
import type { ImageFiles } from './image-files.js';
import type { CollectedPrompts, PromptEntry } from './collect-prompts.js';
import { productSize, type MatrixEntry } from './expand-matrix.js';
import { REQUEST_FIELD_NAMES, type ManifestData } from './manifest-schema.js';
import { describeValue } from './problem.js';
import { MATRIX_AXIS, PROMPT_NAMES, type ProblemList } from './problem-list.js';
import { expandSeeds, seedCount, type SeedSpec } from './seeds.js';
import { VARIABLE_NAME } from './template.js';
import type { PathSegment } from './yaml-source.js';

export type Scalar = string | number | boolean;

/** Names that are not matrix variables: the job's own values in templates. */
export const RESERVED_NAMES = new Set(['prompt', 'input', 'id', 'repeat', 'name', 'include', 'exclude']);
const MAX_GUARD_FACTOR = 10;
const MIN_EXPANSION_CAP = 100_000;
/**
 * Whatever max_jobs says, no manifest expands past this many combinations: each is a paid video, and building
 * millions of jobs would take gigabytes before any other check could run (a raised max_jobs is not a reason).
 */
export const ABSOLUTE_EXPANSION_CAP = 1_000_000;

/** What the expansion reads of a manifest's `matrix` and `defaults`. */
export interface ManifestParts {
  readonly matrix: Readonly<Record<string, unknown>>;
  readonly defaults: Readonly<Record<string, unknown>>;
  /** The include entries without `from`. */
  readonly include: readonly MatrixEntry[];
  /** Each include entry's `from` (promote's link to a source job). */
  readonly includeFrom: readonly (string | undefined)[];
  readonly exclude: readonly MatrixEntry[];
}

export function manifestParts(data: ManifestData): ManifestParts {
  const matrix = (data.matrix ?? {}) as Record<string, unknown>;
  const entries = (matrix.include ?? []) as MatrixEntry[];
  return {
    matrix,
    defaults: (data.defaults ?? {}) as Record<string, unknown>,
    // `from` is metadata: not a request field, not a variable, never matched.
    include: entries.map(({ from: _from, ...rest }) => rest),
    includeFrom: entries.map((e) => e.from as string | undefined),
    exclude: (matrix.exclude ?? []) as MatrixEntry[],
  };
}

export interface AxisInfo {
  readonly key: string;
  readonly kind: 'prompt' | 'field' | 'variable';
  readonly size: number;
  readonly values: readonly unknown[];
  readonly valuePath: (i: number) => readonly PathSegment[];
}

export interface AxisPlan {
  /** The matrix axes in the order written, seeds drawn. */
  readonly axes: readonly AxisInfo[];
  /** Variables only include entries set, each with where it was first set. */
  readonly includeVariables: ReadonlyMap<string, readonly PathSegment[]>;
}

/**
 * The matrix axes and include variables with their names checked, and the job-count guard, which runs on the
 * axes' sizes before anything large is built (seeds included). `undefined`: nothing can be expanded.
 */
export function planAxes(data: ManifestData, parts: ManifestParts, prompts: CollectedPrompts, maxJobs: number, problems: ProblemList, images?: ImageFiles): AxisPlan | undefined {
  const axes = collectAxes(parts.matrix, prompts.axisPrompts, problems, images);
  if (!axes) return undefined;
  const includeVariables = includeVariablesOf(parts.include, axes, problems);
  if (data.matrix !== undefined && axes.length === 0 && parts.include.length === 0) {
    problems.error(['matrix'], 'the matrix is empty: give at least one axis (e.g. prompt) or include entry', false, [MATRIX_AXIS]);
  }
  if (data.matrix === undefined && prompts.defaultsPrompt === undefined) {
    problems.error([], 'nothing to run: give matrix.prompt (a list of prompts) or defaults.prompt', false, [...PROMPT_NAMES, MATRIX_AXIS]);
    return undefined;
  }
  if (!withinExpansionCap(data.repeat, axes, parts.include.length, maxJobs, problems)) return undefined;
  const drawn = axes.map((a) => (a.key === 'seed' && a.values.length === 0 && a.size > 0 ? { ...a, values: expandSeeds(parts.matrix.seed as SeedSpec) } : a));
  return { axes: drawn, includeVariables };
}

/** An image axis with its globs expanded: one value per matching file, sorted; each value points at what it came from. */
function imageAxis(key: string, written: readonly string[], images: ImageFiles, problems: ProblemList): AxisInfo {
  const values: string[] = [];
  const from: number[] = [];
  written.forEach((value, i) => {
    const found = images.expand(value);
    if (found.length === 0) problems.error(['matrix', key, i], `no file matches ${JSON.stringify(value)} (relative to the manifest)`);
    for (const v of found) {
      if (values.includes(v)) continue;
      values.push(v);
      from.push(i);
    }
  });
  return { key, kind: 'field', size: values.length, values, valuePath: (i) => ['matrix', key, from[i]!] };
}

/** `undefined` when the seed axis asks for more distinct seeds than exist. */
function collectAxes(matrix: Readonly<Record<string, unknown>>, axisPrompts: readonly PromptEntry[], problems: ProblemList, images: ImageFiles | undefined): AxisInfo[] | undefined {
  const axes: AxisInfo[] = [];
  for (const [key, raw] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') continue;
    if (key === 'prompt') {
      axes.push({ key, kind: 'prompt', size: axisPrompts.length, values: axisPrompts, valuePath: (i) => axisPrompts[i]!.path });
    } else if (key === 'seed') {
      const seed = seedAxis(raw as SeedSpec, problems);
      if (!seed) return undefined;
      axes.push(seed);
    } else if (images && (IMAGE_FIELDS as readonly string[]).includes(key)) {
      axes.push(imageAxis(key, raw as string[], images, problems));
    } else if ((REQUEST_FIELD_NAMES as string[]).includes(key)) {
      const values = raw as Scalar[];
      axes.push({ key, kind: 'field', size: values.length, values, valuePath: (i) => ['matrix', key, i] });
    } else {
      if (RESERVED_NAMES.has(key)) problems.error(['matrix', key], `"${key}" cannot be a matrix axis${key === 'input' ? ' (the prompt axis is called "prompt")' : ''}`, true);
      else if (!VARIABLE_NAME.test(key)) problems.error(['matrix', key], `${describeValue(key)} is not a usable variable name (letters, digits and "_", not starting with a digit)`, true);
      const values = raw as Scalar[];
      axes.push({ key, kind: 'variable', size: values.length, values, valuePath: (i) => ['matrix', key, i] });
    }
  }
  return axes;
}

/** A `from`/`count` or `random` seed axis gets its values once the guard has passed (they may be many). */
function seedAxis(spec: SeedSpec, problems: ProblemList): AxisInfo | undefined {
  const list = Array.isArray(spec);
  if (!list && 'count' in spec && spec.from + spec.count - 1 > SEED_MAX) {
    problems.error(['matrix', 'seed', 'count'], `seeds ${spec.from} … ${spec.from + spec.count - 1} go past ${SEED_MAX}`);
  }
  // Checked before anything is drawn: more distinct seeds than exist would never end (and fill memory first).
  if (!list && 'random' in spec && spec.random > SEED_MAX) {
    problems.error(['matrix', 'seed', 'random'], `${spec.random.toLocaleString('en-US')} distinct random seeds cannot exist: seeds go from 1 to ${SEED_MAX.toLocaleString('en-US')}`);
    return undefined;
  }
  return { key: 'seed', kind: 'field', size: seedCount(spec), values: list ? spec : [], valuePath: (i) => (list ? ['matrix', 'seed', i] : ['matrix', 'seed']) };
}

function includeVariablesOf(include: readonly MatrixEntry[], axes: readonly AxisInfo[], problems: ProblemList): Map<string, PathSegment[]> {
  const variables = new Map<string, PathSegment[]>();
  include.forEach((entry, i) => {
    for (const key of Object.keys(entry)) {
      if (key === 'prompt' || (REQUEST_FIELD_NAMES as string[]).includes(key) || axes.some((a) => a.key === key)) continue;
      if (RESERVED_NAMES.has(key)) problems.error(['matrix', 'include', i, key], `"${key}" cannot be set by include`, true);
      else if (!VARIABLE_NAME.test(key)) problems.error(['matrix', 'include', i, key], `${describeValue(key)} is not a usable variable name`, true);
      if (!variables.has(key)) variables.set(key, ['matrix', 'include', i, key]);
    }
  });
  return variables;
}

function withinExpansionCap(repeat: number, axes: readonly AxisInfo[], includeCount: number, maxJobs: number, problems: ProblemList): boolean {
  const raw = productSize(axes.map((a) => ({ key: a.key, values: { length: a.size } as unknown[] })));
  const cap = Math.max(maxJobs * MAX_GUARD_FACTOR, MIN_EXPANSION_CAP);
  const sizeText = `${raw.toLocaleString('en-US')} combinations${repeat > 1 ? ` × repeat ${repeat}` : ''}`;
  const planned = (raw + includeCount) * repeat;
  if (planned > ABSOLUTE_EXPANSION_CAP && cap > ABSOLUTE_EXPANSION_CAP) {
    problems.error(['matrix'], `the matrix has ${sizeText}, more than any manifest may plan (${ABSOLUTE_EXPANSION_CAP.toLocaleString('en-US')}, whatever max_jobs says); split it into several manifests`);
    return false;
  }
  if (planned > cap) {
    problems.error(['matrix'], `the matrix has ${sizeText}, far more than max_jobs (${maxJobs}); raise max_jobs or --max-jobs if you really mean it`);
    return false;
  }
  return true;
}
