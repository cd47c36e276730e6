/**
 * The report's axes: each job's value on each matrix axis, and the order a person expects the values in. The grid
 * itself (which axes are rows, columns and groups) is the user's choice, made in the page (report-script-grid.ts).
 */
import { ASPECT_RATIOS, QUALITIES } from '../model/capabilities.js';
import type { AxisValue } from '../manifest/types.js';
import type { LedgerJob } from '../ledger/types.js';

/** The key of a job that has no value on an axis (an `include` entry can add an axis the others lack). */
export const NO_VALUE = '—';

/**
 * Request fields that are also axes when a manifest varies them: a job whose manifest fixed one (a sweep at 540p
 * that a promotion re-rendered at 1080p) shows the value it was rendered at, not "—".
 */
const REQUEST_AXES: ReadonlySet<string> = new Set(['quality', 'aspect_ratio', 'duration']);

export function axisKey(job: LedgerJob, axis: string): string {
  const value: AxisValue | undefined = Object.hasOwn(job.axes ?? {}, axis) ? job.axes[axis] : undefined;
  if (value !== undefined) return String(value);
  const sent = REQUEST_AXES.has(axis) ? (job.request as unknown as Record<string, unknown> | undefined)?.[axis] : undefined;
  return typeof sent === 'string' || typeof sent === 'number' ? String(sent) : NO_VALUE;
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
    if (typeof job.axes?.[axis] === 'number' || (axis === 'duration' && key !== NO_VALUE)) numeric.add(key);
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
