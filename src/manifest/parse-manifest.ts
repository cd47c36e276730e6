import path from 'node:path';
import { expandJobs } from './expand-jobs.js';
import { manifestSchema, type ManifestData } from './manifest-schema.js';
import { formatPath, type Problem } from './problem.js';
import { toRunSettings } from './run-settings.js';
import type { Diagnostic, LoadedManifest } from './types.js';
import { readYaml, type PathSegment, type YamlSource } from './yaml-source.js';
import { problemsFromZod } from './zod-problems.js';

export interface ParseManifestOptions {
  /** Overrides the manifest's `max_jobs` (the `--max-jobs` flag). */
  readonly maxJobs?: number;
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

function removeKeys(value: unknown, paths: readonly (readonly PropertyKey[])[]): unknown {
  const copy = structuredClone(value);
  for (const p of paths) {
    let v: unknown = copy;
    for (const segment of p.slice(0, -1)) v = (v as Record<PropertyKey, unknown> | undefined)?.[segment];
    if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) delete (v as Record<PropertyKey, unknown>)[p[p.length - 1]!];
  }
  return copy;
}

/**
 * Schema check with every unknown key reported; when unknown keys are the only problem the rest of the manifest
 * is still checked (without them), so one run shows a typo and, say, an impossible quality × duration together.
 */
function checkSchema(value: unknown): { data?: ManifestData; problems: Problem[] } {
  const first = manifestSchema.safeParse(value);
  if (first.success) return { data: first.data, problems: [] };
  const problems = problemsFromZod(first.error.issues, manifestSchema, value);
  const issues = first.error.issues;
  if (issues.every((i) => i.code === 'unrecognized_keys')) {
    const paths = issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : []));
    const second = manifestSchema.safeParse(removeKeys(value, paths));
    if (second.success) return { data: second.data, problems };
  }
  return { problems };
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
  return [...shown, { severity: errors.length > 0 ? 'error' : 'warning', file, line: 0, column: 0, path: '', message: `… and ${hidden} more problems not shown` }];
}

/**
 * Parses, validates and expands one manifest's text. Pure (no I/O): `file` only names the manifest in
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
  const data = schema.data && restoreWrittenOrder(schema.data, source.value);
  let manifest: LoadedManifest | undefined;
  if (data) {
    const name = data.name ?? nameFromFile(file);
    const maxJobs = options.maxJobs ?? data.max_jobs;
    const expanded = expandJobs(data, { file, name, maxJobs });
    problems.push(...expanded.problems);
    if (!problems.some((p) => p.severity === 'error')) {
      manifest = { path: file, name, jobs: expanded.jobs, run: toRunSettings(data.run), maxJobs };
    }
  }
  const diagnostics = finish(file, problems.map((p) => toDiagnostic(file, source, p)));
  return manifest ? { manifest, diagnostics } : { diagnostics };
}
