import path from 'node:path';
import { expandJobs, MATRIX_AXIS } from './expand-jobs.js';
import { ImageFiles } from './image-files.js';
import { manifestSchema, type ManifestData } from './manifest-schema.js';
import { formatPath, type Problem } from './problem.js';
import { pruneValue, type PrunedValue } from './prune-value.js';
import { toRunSettings } from './run-settings.js';
import type { Diagnostic, LoadedManifest } from './types.js';
import { readYaml, type PathSegment, type YamlSource } from './yaml-source.js';
import { problemsFromZod } from './zod-problems.js';

export interface ParseManifestOptions {
  /** Overrides the manifest's `max_jobs` (the `--max-jobs` flag). */
  readonly maxJobs?: number;
  /**
   * The manifest's folder (absolute): image paths are relative to it, and its images are read and checked (the
   * only reads a parse makes, and only when the manifest names images). @default process.cwd()
   */
  readonly baseDir?: string;
}

/** Larger files are refused before parsing: no real manifest comes near it, a hostile one could. */
export const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;
/** Past this many problems in one file the rest are counted, not listed. */
export const MAX_DIAGNOSTICS_PER_FILE = 200;

/** The output-folder name a file gives when the manifest has no `name`. */
export function nameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.(ya?ml)$/i, '');
  const safe = base.replace(/[^\p{L}\p{M}\p{N}._-]+/gu, '-').replace(/^[-._]+|[-.]+$/g, '');
  return safe.slice(0, 64) || 'manifest';
}

/** Rounds of removing invalid nodes and checking again; each round removes at least one more node. */
const MAX_PRUNE_ROUNDS = 8;

const keyOf = (path: readonly PathSegment[]): string => JSON.stringify(path);

/**
 * The removed paths, indexed so that a file with a million bad items stays linear (every check walks the
 * prefixes of one path instead of comparing it with every removed path).
 */
class RemovedPaths {
  readonly paths: PathSegment[][] = [];
  private readonly exact = new Set<string>();
  /** Every removed path and all its ancestors. */
  private readonly withAncestors = new Set<string>();
  /** The mapping or list each removed node was in (not the root). */
  private readonly parents = new Set<string>();

  add(path: readonly PathSegment[]): boolean {
    const key = keyOf(path);
    if (this.exact.has(key)) return false;
    this.exact.add(key);
    this.paths.push([...path]);
    for (let i = 0; i <= path.length; i++) this.withAncestors.add(keyOf(path.slice(0, i)));
    if (path.length >= 2) this.parents.add(keyOf(path.slice(0, -1)));
    return true;
  }

  has(path: readonly PathSegment[]): boolean {
    return this.exact.has(keyOf(path));
  }

  /** `path` is a removed node or lies inside one. */
  covers(path: readonly PathSegment[]): boolean {
    for (let i = 0; i <= path.length; i++) if (this.exact.has(keyOf(path.slice(0, i)))) return true;
    return false;
  }

  /**
   * Whether a problem found only after a removal can be its consequence: it is at a removed node (a required
   * key), above one (a list left empty, a union whose branch lost a key), or in the same mapping as one (a
   * refinement comparing it with a sibling that fell back to its default).
   */
  mayHaveCaused(path: readonly PathSegment[]): boolean {
    if (this.withAncestors.has(keyOf(path))) return true;
    for (let i = 1; i <= path.length; i++) if (this.parents.has(keyOf(path.slice(0, i)))) return true;
    return false;
  }
}

interface SchemaCheck {
  readonly data?: ManifestData;
  readonly problems: Problem[];
  /** When the schema failed but passed without some nodes: the data it passed on. */
  readonly pruned?: PrunedValue;
  readonly removed: RemovedPaths;
}

/**
 * Schema check that still lets the rest of a broken manifest be checked: the nodes each problem names are
 * removed from the plain data (an unknown key, a list item, a scalar field) and the schema runs again. A
 * problem that only appears after a removal is its consequence (a list left empty, a required key that was the
 * invalid one): it is not reported, and its node (or the parent of a missing key) is removed in turn. When the
 * data passes within MAX_PRUNE_ROUNDS, expansion checks it too, so one run shows a typo and, say, an impossible
 * quality × duration together. All paths are the original file's.
 */
function checkSchema(value: unknown): SchemaCheck {
  const removed = new RemovedPaths();
  const first = manifestSchema.safeParse(value);
  if (first.success) return { data: first.data, problems: [], removed };
  const problems = problemsFromZod(first.error.issues, manifestSchema, value);
  // Past the listing limit more problems would not be shown, and each round re-checks the whole file: a
  // hostile file with a million bad items costs what it did before this mechanism.
  if (problems.length > MAX_DIAGNOSTICS_PER_FILE) return { problems, removed };
  for (const p of problems) removed.add(p.path);
  for (let round = 0; round < MAX_PRUNE_ROUNDS; round++) {
    // A problem with the whole manifest (not a mapping) leaves nothing to check.
    if (removed.has([])) break;
    const pruned = pruneValue(value, removed.paths);
    const next = manifestSchema.safeParse(pruned.value);
    if (next.success) return { data: next.data, problems, pruned, removed };
    const found = problemsFromZod(next.error.issues, manifestSchema, pruned.value).map((p) => ({ ...p, path: pruned.toOriginal(p.path) }));
    for (const p of found) if (!removed.mayHaveCaused(p.path)) problems.push(p);
    let progress = false;
    for (const p of found) if (removed.add(removed.has(p.path) ? p.path.slice(0, -1) : p.path)) progress = true;
    if (!progress) break;
  }
  return { problems, removed };
}

/**
 * Drops expansion problems of pruned data that the removal itself may have caused: at a removed node (a
 * default took its place), or depending on a name that was removed (a required field, a template variable,
 * a prompt, a whole axis), or saying a field is not set that a removed unknown key probably misspells (`qualty`);
 * and maps the rest back to the original file's paths.
 */
function fromPrunedExpansion(problems: readonly Problem[], pruned: PrunedValue, removed: RemovedPaths, schemaProblems: readonly Problem[]): Problem[] {
  const names = new Set<string>();
  const misspelt = new Set<string>();
  for (const p of schemaProblems) if (p.meant !== undefined) misspelt.add(p.meant);
  for (const r of removed.paths) {
    const last = r.findLast((s): s is string => typeof s === 'string');
    if (last !== undefined) names.add(last);
    if (r[0] === 'matrix' && r.length === 2) names.add(MATRIX_AXIS);
  }
  const out: Problem[] = [];
  for (const p of problems) {
    const path = pruned.toOriginal(p.path);
    if (removed.covers(path)) continue;
    if (p.dependsOn?.some((n) => names.has(n))) continue;
    if (p.unset !== undefined && misspelt.has(p.unset)) continue;
    out.push({ ...p, path });
  }
  return out;
}

/** zod puts declared keys before catch-all ones; matrix axes vary in the order the user wrote them. */
function inWrittenOrder<T extends object>(parsed: T, written: unknown): T {
  if (!written || typeof written !== 'object' || Array.isArray(written)) return parsed;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(written)) if (Object.hasOwn(parsed, key)) out[key] = (parsed as Record<string, unknown>)[key];
  for (const key of Object.keys(parsed)) if (!Object.hasOwn(out, key)) out[key] = (parsed as Record<string, unknown>)[key];
  return out as T;
}

function restoreWrittenOrder(data: ManifestData, written: unknown): ManifestData {
  if (!data.matrix) return data;
  const raw = written as { matrix?: { include?: unknown[] } };
  const matrix = inWrittenOrder(data.matrix, raw.matrix);
  if (matrix.include) matrix.include = matrix.include.map((e, i) => inWrittenOrder(e, raw.matrix?.include?.[i]));
  return { ...data, matrix };
}

function toDiagnostic(file: string, source: YamlSource | undefined, problem: Problem): Diagnostic {
  const { line, column } = source ? source.position(problem.path as PathSegment[], problem.atKey) : { line: 1, column: 1 };
  return { severity: problem.severity, file, line, column, path: formatPath(problem.path), message: problem.message };
}

function finish(file: string, diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i)
    .map(({ d }) => d);
  if (sorted.length <= MAX_DIAGNOSTICS_PER_FILE) return sorted;
  const errors = sorted.filter((d) => d.severity === 'error');
  const shown = (errors.length > 0 ? errors : sorted).slice(0, MAX_DIAGNOSTICS_PER_FILE);
  const hidden = sorted.length - shown.length;
  // The note points at the first problem it hides, so every line keeps the file:line:column shape editors parse.
  const firstHidden = (errors.length > 0 ? errors : sorted)[MAX_DIAGNOSTICS_PER_FILE] ?? sorted[MAX_DIAGNOSTICS_PER_FILE];
  const at = firstHidden ?? { line: 1, column: 1, path: '' };
  return [
    ...shown,
    { severity: errors.length > 0 ? 'error' : 'warning', file, line: at.line, column: at.column, path: at.path, message: `… and ${hidden} more problems not shown` },
  ];
}

/**
 * Parses, validates and expands one manifest's text. No I/O but reading the images it names: `file` only names the manifest in
 * diagnostics and jobs. Every problem of the file comes back at once, each with its line:column; `manifest`
 * is present only when none of them is an error.
 */
export function parseManifest(text: string, file: string, options: ParseManifestOptions = {}): { manifest?: LoadedManifest; diagnostics: Diagnostic[] } {
  const fileError = (message: string): { diagnostics: Diagnostic[] } => ({ diagnostics: [{ severity: 'error', file, line: 0, column: 0, path: '', message }] });
  if (text.length > MAX_MANIFEST_BYTES || Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    return fileError(`the manifest is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MB; split it (no real manifest needs that much)`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const yaml = readYaml(body);
  if (!yaml.source) {
    return { diagnostics: finish(file, yaml.problems.map((p) => ({ severity: 'error', file, line: p.line, column: p.column, path: '', message: p.message }))) };
  }
  const source = yaml.source;
  const schema = checkSchema(source.value);
  const problems: Problem[] = [...schema.problems];
  const data = schema.data && restoreWrittenOrder(schema.data, schema.pruned ? schema.pruned.value : source.value);
  let manifest: LoadedManifest | undefined;
  if (data) {
    const name = data.name ?? nameFromFile(file);
    const maxJobs = options.maxJobs ?? data.max_jobs;
    const pruned = schema.pruned;
    const images = new ImageFiles(options.baseDir ?? process.cwd());
    const expanded = expandJobs(data, { file, name, maxJobs, images, ...(pruned && { formatPath: (p: readonly PathSegment[]) => formatPath(pruned.toOriginal(p)) }) });
    problems.push(...(pruned ? fromPrunedExpansion(expanded.problems, pruned, schema.removed, schema.problems) : expanded.problems));
    // A manifest with schema errors is never handed on, whatever its pruned remainder looks like.
    if (!pruned && !problems.some((p) => p.severity === 'error')) {
      manifest = { path: file, name, jobs: expanded.jobs, run: toRunSettings(data.run), maxJobs };
    }
  }
  const diagnostics = finish(file, problems.map((p) => toDiagnostic(file, source, p)));
  return manifest ? { manifest, diagnostics } : { diagnostics };
}
