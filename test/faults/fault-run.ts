import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import type { Ledger, LedgerJob } from '../../src/ledger/types.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import type { SimStats } from '../../src/simulator/sim-stats.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/start-simulator.js';
import type { RunSummary } from '../../src/scheduler/run-summary.js';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';
import { sha256File, walk } from '../../bench/lib/crash-harness.mjs';
import { checkMoneyBracket } from '../../bench/lib/money-bracket.mjs';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

export const TIME_SCALE = 0.01;
export const KEY = 'sk-fault-table-key';

/** One prompt entry of a generated manifest: a text, or a text with its own request fields. */
export type PromptEntry = string | { readonly text: string; readonly quality?: string; readonly duration?: number; readonly generate_audio_switch?: boolean };

/** A small manifest: one job per prompt, 360p 16:9 5 s silent (35 credits each) unless an entry says otherwise. */
export function manifestOf(prompts: readonly PromptEntry[], run: Record<string, unknown> = {}): string {
  return stringify({
    name: 'faults',
    defaults: { aspect_ratio: '16:9', quality: '360p', duration: 5, generate_audio_switch: false },
    matrix: { prompt: prompts },
    run: { concurrency: 2, ...run },
  });
}

export const THREE = ['a cat on a roof', 'a dog in the rain', 'a fox in the snow'] as const;

export interface RunOutcome {
  readonly code: number | null;
  readonly summary: RunSummary;
  readonly ledger: Ledger;
  readonly stats: SimStats;
  readonly stdout: string;
  readonly stderr: string;
  readonly outDir: string;
  readonly dir: string;
  readonly sim: Simulator;
  /** Runs the same manifest again into the same folder. */
  again(args?: readonly string[]): Promise<RunOutcome>;
  close(): Promise<void>;
}

export interface FaultRunOptions {
  readonly sim?: SimulatorOptions;
  readonly manifest: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** A run that does not end by then has hung (the row fails). @default 60 s */
  readonly timeoutMs?: number;
}

/** Starts a simulator in-process, runs the built CLI against it as a child process, and collects everything. */
export async function runAgainstSimulator(options: FaultRunOptions): Promise<RunOutcome> {
  const sim = await startSimulator({ timeScale: TIME_SCALE, seed: 3, ...options.sim });
  const dir = await makeTempDir('faults');
  const manifestPath = path.join(dir, 'faults.yaml');
  const outDir = path.join(dir, 'out');
  await writeFile(manifestPath, options.manifest);
  const close = async () => {
    await sim.close();
    await removeTempDir(dir);
  };
  const once = async (args: readonly string[]): Promise<RunOutcome> => {
    const r = await runCli(['run', manifestPath, '--base-url', sim.url, '--time-scale', String(TIME_SCALE), '--out', outDir, '--json', '--no-progress', '--log-level', 'warn', ...args], {
      env: { DMXAPI_API_KEY: KEY, ...options.env },
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    expect(r.timedOut, `the run hung; stderr:\n${r.stderr.slice(-2000)}`).toBe(false);
    let summary: RunSummary;
    try {
      summary = JSON.parse(r.stdout) as RunSummary;
    } catch {
      throw new Error(`exit ${r.code} without a JSON summary:\n${r.stderr.slice(-3000)}`);
    }
    const ledger = JSON.parse(await readFile(path.join(outDir, 'ledger.json'), 'utf8')) as Ledger;
    // After every run: the account's real net charge lies within what `status --json` says.
    expect((await checkMoneyBracket({ outDirs: [outDir], stats: sim.stats() })).problem).toBeNull();
    return { code: r.code, summary, ledger, stats: sim.stats(), stdout: r.stdout, stderr: r.stderr, outDir, dir, sim, again: (a = args) => once(a), close };
  };
  try {
    return await once(options.args ?? []);
  } catch (error) {
    await close();
    throw error;
  }
}

/** Job statuses as a sorted multiset, e.g. { succeeded: 2, unknown: 1 }. */
export function statusCounts(jobs: readonly LedgerJob[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of jobs) out[j.status] = (out[j.status] ?? 0) + 1;
  return out;
}

/**
 * What holds after any run, whatever the fault: the ledger's charges are the simulator's (apart from submits
 * of unknown outcome), every saved file is the video the simulator served, nothing temporary is left, and
 * nothing is written outside the output folder.
 */
export async function expectSafeEnd(o: RunOutcome, allowedDuplicates = 0): Promise<void> {
  const videos = new Map(o.stats.videos.map((v) => [v.id, v]));
  const recorded = new Set(o.ledger.jobs.map((j) => j.video_id).filter((id): id is string => id !== null));
  const unknownBodies = new Set(o.ledger.jobs.filter((j) => j.status === 'unknown' || j.attempts > 1).map((j) => bodyHash(j.request)));
  let ledgerCredits = 0;
  for (const j of o.ledger.jobs) {
    ledgerCredits += j.credits ?? 0;
    if (j.video_id !== null) {
      const v = videos.get(j.video_id);
      expect(v, `video ${j.video_id} of job ${j.id} exists on the simulator`).toBeDefined();
      expect(j.credits).toBe(v!.reported_credits);
    }
    if (j.status === 'succeeded') {
      const v = videos.get(j.video_id!)!;
      const file = path.join(o.outDir, j.file);
      expect(await sha256File(file)).toBe(v.sha256);
      expect(j.sha256).toBe(v.sha256);
    }
  }
  // A charge the ledger does not hold belongs to a submit the runner reported as unknown.
  let unrecorded = 0;
  for (const v of o.stats.videos) {
    if (recorded.has(v.id)) continue;
    expect(unknownBodies.has(v.body_sha256), `video ${v.id} was charged but its job was not reported unknown`).toBe(true);
    unrecorded += v.reported_credits;
  }
  // What the answers said (a `zero-charge` gateway says 0); the real charge is the bracket's (checkMoneyBracket).
  expect(ledgerCredits + unrecorded).toBe(o.stats.videos.reduce((sum, v) => sum + v.reported_credits, 0));
  expect(o.stats.submits.duplicate_bodies).toBe(allowedDuplicates);
  const files = await walk(o.dir);
  expect(files.filter((f: string) => f.endsWith('.part') || f.includes('.tmp-') || f.endsWith('.tmp') || f.includes('.stale-') || f.endsWith('.lock'))).toEqual([]);
  // Only the manifest lives outside out/.
  expect(files.filter((f: string) => !f.startsWith(`out${path.sep}`))).toEqual(['faults.yaml']);
}

function bodyHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}
