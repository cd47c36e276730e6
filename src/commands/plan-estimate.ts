import type { Job, LoadedManifest, ManifestSet } from '../manifest/types.js';
import { expectedGenerationMs } from '../model/generation-time.js';
import { makespan } from '../model/run-duration.js';
import { REHEARSAL_RENDER_CPU_MS_PER_TAKE } from '../simulator/render-cost.js';
import { concurrencyOf } from '../plan-folders.js';
import type { JobNeed, PlanProgress } from './plan-progress.js';

/** A rehearsal's clock and machine: its generations run `timeScale` times as long, its takes render on `cores`. */
export interface RehearsalPace {
  readonly timeScale: number;
  readonly cores: number;
}

/** How long the run of some jobs should take (plan's estimate). */
export interface DurationEstimate {
  readonly concurrency: number;
  /** Jobs that generate: those to run, and those submitted before whose generation may still be going on. */
  readonly generating: number;
  /** At `concurrency`, from the generation-time table (scaled by a rehearsal's time-scale). */
  readonly generationMs: number;
  /** A rehearsal's rendering of its takes on this machine's cores. */
  readonly renderMs?: number;
  /** The run's wall time: generation, or for a rehearsal whichever of generation and rendering is longer. */
  readonly totalMs: number;
}

const GENERATES: ReadonlySet<JobNeed> = new Set(['submit', 'poll']);

/**
 * The duration of a run of `jobs` at `concurrency`: their typical generation times (src/model/generation-time.ts)
 * in `concurrency` slots, fed in order. Jobs done, held or only to download take none. A rehearsal's
 * generations take `timeScale` of that, and its takes are rendered meanwhile: takes × the measured CPU per
 * take (src/simulator/render-cost.ts) ÷ cores; the slower of the two sets the pace.
 */
export function estimateDuration(jobs: readonly Job[], needOf: (job: Job) => JobNeed, concurrency: number, rehearsal: RehearsalPace | null): DurationEstimate {
  const durations: number[] = [];
  for (const j of jobs) if (GENERATES.has(needOf(j))) durations.push(expectedGenerationMs(j.request));
  const generationMs = makespan(durations, concurrency) * (rehearsal?.timeScale ?? 1);
  if (!rehearsal) return { concurrency, generating: durations.length, generationMs, totalMs: generationMs };
  const renderMs = (durations.length * REHEARSAL_RENDER_CPU_MS_PER_TAKE) / Math.max(1, rehearsal.cores);
  return { concurrency, generating: durations.length, generationMs, renderMs, totalMs: Math.max(generationMs, renderMs) };
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

/** plan --json's fields of an estimate (whole seconds, rounded up). */
export function durationJson(e: DurationEstimate): Record<string, number> {
  return {
    concurrency: e.concurrency,
    estimated_seconds: seconds(e.totalMs),
    ...(e.renderMs !== undefined && { estimated_generation_seconds: seconds(e.generationMs), estimated_render_seconds: seconds(e.renderMs) }),
  };
}

/** "40 s", "12 min", "1 h 40 min": a duration as a person estimates it. */
export function aboutDuration(ms: number): string {
  const s = seconds(ms);
  if (s < 90) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest > 0 ? ` ${rest} min` : ''}`;
}

/**
 * "about 1 h 40 min at concurrency 4"; a rehearsal says what its time is made of:
 * "about 4 min at concurrency 100 (rendering 2,000 takes at ~0.04 s CPU each on 2 cores: 40 s; simulated generation at time-scale 0.02: 30 s)".
 */
export function durationText(e: DurationEstimate, rehearsal: RehearsalPace | null): string {
  if (e.generating === 0) return 'nothing left to generate';
  const head = `about ${aboutDuration(e.totalMs)} at concurrency ${e.concurrency.toLocaleString('en-US')}`;
  if (!rehearsal || e.renderMs === undefined) return head;
  const render = `rendering ${e.generating.toLocaleString('en-US')} take${e.generating === 1 ? '' : 's'} at ~${REHEARSAL_RENDER_CPU_MS_PER_TAKE / 1000} s CPU each on ${rehearsal.cores} core${rehearsal.cores === 1 ? '' : 's'}: ${aboutDuration(e.renderMs)}`;
  return `${head} (${render}; simulated generation at time-scale ${rehearsal.timeScale}: ${aboutDuration(e.generationMs)})`;
}

/** plan's estimates: per manifest at its own concurrency, and for the whole run at the run's. */
export interface PlanTiming {
  /** null for a real run. */
  readonly pace: RehearsalPace | null;
  ofManifest(m: LoadedManifest): DurationEstimate;
  readonly total: DurationEstimate;
}

/**
 * Each manifest's run at its concurrency (`--concurrency`, else its `run.concurrency`) and the whole plan's at the
 * run's (the flag, else the strictest manifest's: one account, `concurrencyOf`), of the jobs as the output folders
 * leave them.
 */
export function planTiming(set: ManifestSet, progress: PlanProgress, concurrency: number | undefined, pace: RehearsalPace | null): PlanTiming {
  const overrides = concurrency === undefined ? {} : { concurrency };
  const byManifest = new Map(set.manifests.map((m) => [m, estimateDuration(m.jobs, (j) => progress.needIn(m, j), concurrency ?? m.run.concurrency, pace)]));
  return {
    pace,
    ofManifest: (m) => byManifest.get(m)!,
    total: estimateDuration(set.jobs, progress.need, concurrencyOf(set.manifests, overrides), pace),
  };
}
