import { ASPECT_RATIOS, QUALITIES } from '../model/capabilities.js';
import type { AxisValue } from '../manifest/types.js';
import type { LedgerJob } from './ledger-types.js';

/** The key of a job that has no value on an axis (an `include` entry can add an axis the others lack). */
export const NO_VALUE = '—';

/** Axes whose values are laid out side by side inside one cell rather than as a grid dimension. */
const INNER_AXES = ['seed'];

export interface ReportAxis {
  readonly name: string;
  /** Value keys in display order. */
  readonly values: readonly string[];
}

/** What a job asked for in words: the prompt (`input`) and its negative prompt. */
export interface PromptText {
  readonly input: string;
  readonly negative: string | null;
}

export interface ReportColumn {
  /** One value key per column axis. */
  readonly keys: readonly string[];
}

export interface ReportRow {
  readonly key: string;
  /** The prompt every job of the row shares, when it does. */
  readonly prompt: PromptText | null;
  /** One entry per column: the jobs at that coordinate (several when seeds or repeats sit side by side). */
  readonly cells: readonly (readonly LedgerJob[])[];
}

/** One manifest's jobs as a grid: rows = first varying axis, columns = the next varying axes, seeds inside cells. */
export interface ReportSection {
  readonly manifest: string;
  readonly name: string;
  readonly jobs: readonly LedgerJob[];
  /** Axes with a single value: shown in the section header, not as a grid dimension. */
  readonly constants: readonly { readonly name: string; readonly value: string }[];
  readonly rowAxis: ReportAxis | null;
  readonly columnAxes: readonly ReportAxis[];
  readonly innerAxes: readonly ReportAxis[];
  readonly columns: readonly ReportColumn[];
  readonly rows: readonly ReportRow[];
  /** The prompt of every job, when they all share one. */
  readonly prompt: PromptText | null;
}

export function axisKey(job: LedgerJob, axis: string): string {
  const value: AxisValue | undefined = Object.hasOwn(job.axes ?? {}, axis) ? job.axes[axis] : undefined;
  return value === undefined ? NO_VALUE : String(value);
}

/** Axis names in the order the jobs list them (the manifest's axis order), first appearance first. */
export function axisNames(jobs: readonly LedgerJob[]): string[] {
  const names = new Set<string>();
  for (const job of jobs) for (const name of Object.keys(job.axes ?? {})) names.add(name);
  return [...names];
}

/**
 * Values in an order a person expects whatever order the ledger lists jobs in (a merged ledger interleaves
 * shards): numbers ascending, aspect ratios and qualities in the API's table order, anything else as first seen.
 */
export function axisValues(jobs: readonly LedgerJob[], axis: string): string[] {
  const seen = new Map<string, number>();
  const numeric = new Set<string>();
  for (const job of jobs) {
    const key = axisKey(job, axis);
    if (!seen.has(key)) seen.set(key, seen.size);
    if (typeof job.axes?.[axis] === 'number') numeric.add(key);
  }
  const table: readonly string[] | undefined = axis === 'quality' ? QUALITIES : axis === 'aspect_ratio' ? ASPECT_RATIOS : undefined;
  // [group, position]: table or numeric values first in their natural order, then the rest as first seen, then "none".
  const rank = (key: string): [number, number] => {
    if (key === NO_VALUE) return [2, 0];
    if (table?.includes(key)) return [0, table.indexOf(key)];
    if (!table && numeric.has(key)) return [0, Number(key)];
    return [1, seen.get(key) ?? 0];
  };
  return [...seen.keys()].sort((a, b) => {
    const [ga, pa] = rank(a);
    const [gb, pb] = rank(b);
    return ga - gb || pa - pb;
  });
}

/** Sections in the order their manifests first appear in the ledger. */
export function layoutReport(jobs: readonly LedgerJob[]): ReportSection[] {
  const byManifest = new Map<string, LedgerJob[]>();
  for (const job of jobs) {
    const list = byManifest.get(job.manifest) ?? [];
    if (list.length === 0) byManifest.set(job.manifest, list);
    list.push(job);
  }
  return [...byManifest.entries()].map(([manifest, list]) => layoutSection(manifest, list));
}

function layoutSection(manifest: string, jobs: readonly LedgerJob[]): ReportSection {
  const axes = axisNames(jobs).map((name) => ({ name, values: axisValues(jobs, name) }));
  const constants = axes.filter((a) => a.values.length === 1).map((a) => ({ name: a.name, value: a.values[0] ?? NO_VALUE }));
  const varying = axes.filter((a) => a.values.length > 1);
  const innerAxes = varying.filter((a) => INNER_AXES.includes(a.name));
  const gridAxes = varying.filter((a) => !INNER_AXES.includes(a.name));
  const rowAxis = gridAxes[0] ?? null;
  const columnAxes = gridAxes.slice(1);

  // Only combinations that hold a job become columns (an excluded combination leaves no empty column), ordered
  // axis by axis; built from the jobs rather than the full product, which can be huge for a wide sweep.
  const columnId = (job: LedgerJob): string => columnAxes.map((a) => axisKey(job, a.name)).join('\u0000');
  const tuples = new Map<string, string[]>();
  for (const job of jobs) tuples.set(columnId(job), columnAxes.map((a) => axisKey(job, a.name)));
  const position = (keys: readonly string[]): number[] => keys.map((k, i) => columnAxes[i]?.values.indexOf(k) ?? 0);
  const sorted = [...tuples.entries()].sort(([, a], [, b]) => compareTuples(position(a), position(b)));
  const columnIndex = new Map(sorted.map(([id], i) => [id, i]));
  const columns: ReportColumn[] = sorted.map(([, keys]) => ({ keys }));

  const rowKeys = rowAxis ? rowAxis.values : [''];
  const jobsByRow = new Map<string, LedgerJob[]>();
  for (const job of jobs) {
    const key = rowAxis ? axisKey(job, rowAxis.name) : '';
    const list = jobsByRow.get(key) ?? [];
    if (list.length === 0) jobsByRow.set(key, list);
    list.push(job);
  }
  const rows = rowKeys.map((key) => {
    const rowJobs = jobsByRow.get(key) ?? [];
    const cells: LedgerJob[][] = columns.map(() => []);
    for (const job of rowJobs) {
      const col = columnIndex.get(columnId(job)) ?? 0;
      cells[col]?.push(job);
    }
    for (const cell of cells) cell.sort((a, b) => compareInner(a, b, innerAxes));
    return { key, prompt: sharedPrompt(rowJobs), cells };
  });

  const first = jobs[0];
  return {
    manifest,
    name: first?.manifest_name || manifest,
    jobs,
    constants,
    rowAxis,
    columnAxes,
    innerAxes,
    columns,
    rows,
    prompt: sharedPrompt(jobs),
  };
}

function compareInner(a: LedgerJob, b: LedgerJob, inner: readonly ReportAxis[]): number {
  for (const axis of inner) {
    const diff = axis.values.indexOf(axisKey(a, axis.name)) - axis.values.indexOf(axisKey(b, axis.name));
    if (diff !== 0) return diff;
  }
  return 0;
}

export function promptOf(job: LedgerJob): PromptText {
  return { input: job.request?.input ?? '', negative: job.request?.negative_prompt ?? null };
}

function sharedPrompt(jobs: readonly LedgerJob[]): PromptText | null {
  const first = jobs[0];
  if (!first) return null;
  const prompt = promptOf(first);
  return jobs.every((job) => job.request?.input === prompt.input && (job.request?.negative_prompt ?? null) === prompt.negative) ? prompt : null;
}

function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
