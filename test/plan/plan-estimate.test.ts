import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect } from 'vitest';
import { planCommand, type PlanCommandOptions } from '../../src/commands/plan.js';
import { aboutDuration } from '../../src/commands/plan-estimate.js';
import { loadManifests } from '../../src/manifest/load-manifests.js';
import type { Job } from '../../src/manifest/types.js';
import { writeLedger } from '../../src/ledger/store.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { ledgerRecordOf } from '../../src/ledger/schema.js';
import { expectedGenerationMs } from '../../src/model/generation-time.js';
import { makespan } from '../../src/model/run-duration.js';
import { REHEARSAL_RENDER_CPU_MS_PER_TAKE } from '../../src/simulator/render-cost.js';
import { makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { bufferedIO } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

/** 12 jobs at 360p / 5 s, all the same generation time; concurrency 4. */
const SWEEP = `name: sweep
defaults: { quality: 360p, duration: 5, aspect_ratio: "16:9" }
matrix:
  prompt: [a red fox, an owl, a hare]
  seed: [1, 2, 3, 4]
run: { concurrency: 4 }
`;

async function plan(options: PlanCommandOptions = {}): Promise<{ stdout: string; doc: () => Record<string, unknown> & { manifests: Record<string, unknown>[] } }> {
  const io = bufferedIO();
  expect(await planCommand(['sweep.yaml'], { cwd: dir, ...options }, io)).toBe(0);
  return { stdout: io.out(), doc: () => JSON.parse(io.out()) };
}

async function succeeded(out: string, jobs: readonly Job[]): Promise<void> {
  const records = jobs.map((j): LedgerJob => ({ ...ledgerRecordOf(j, '2026-12-01T00:00:00.000Z'), status: 'succeeded', video_id: '1', seed: j.request.seed ?? 9, credits: 35, bytes: 5 }));
  for (const r of records) {
    await mkdir(dirname(join(dir, out, r.file)), { recursive: true });
    await writeFile(join(dir, out, r.file), 'video');
  }
  await writeLedger(join(dir, out), makeLedger(records));
}

const ONE = expectedGenerationMs({ quality: '360p', aspect_ratio: '16:9', duration: 5, generate_audio_switch: false });

describe('plan says how long', () => {
  it('makespan: generations fed in order to the first free slot', () => {
    expect(makespan([10, 10, 10, 10, 10], 2)).toBe(30);
    expect(makespan([10, 10, 10, 10, 10], 10)).toBe(10);
    expect(makespan([30, 10, 10, 10], 2)).toBe(30);
    expect(makespan([], 4)).toBe(0);
  });

  it('durations read the way a person estimates them', () => {
    expect(aboutDuration(45_000)).toBe('45 s');
    expect(aboutDuration(600_000)).toBe('10 min');
    expect(aboutDuration(6_000_000)).toBe('1 h 40 min');
    expect(aboutDuration(3_600_000)).toBe('1 h');
  });

  it('--json: seconds per manifest and in total at the manifest\'s concurrency; the text says "about … at concurrency 4"', async () => {
    await writeFile(join(dir, 'sweep.yaml'), SWEEP);
    const seconds = Math.ceil((3 * ONE) / 1000); // 12 jobs in 4 slots: three waves
    const json = (await plan({ json: true })).doc();
    expect(json).toMatchObject({ concurrency: 4, estimated_seconds: seconds });
    expect(json.manifests[0]).toMatchObject({ concurrency: 4, estimated_seconds: seconds });
    expect(json).not.toHaveProperty('estimated_render_seconds');
    const text = (await plan()).stdout;
    expect(text).toContain(`  time: about ${aboutDuration(3 * ONE)} at concurrency 4\n`);
    expect(text).toContain(`time: about ${aboutDuration(3 * ONE)} at concurrency 4, from the typical generation times`);
    expect((await plan({ json: true, concurrency: 12 })).doc()).toMatchObject({ concurrency: 12, estimated_seconds: Math.ceil(ONE / 1000) });
  });

  it('counts only what the run would generate: done jobs take no time', async () => {
    await writeFile(join(dir, 'sweep.yaml'), SWEEP);
    await succeeded('output/sweep', (await loadManifests(['sweep.yaml'], { cwd: dir })).jobs.slice(0, 8));
    expect((await plan({ json: true })).doc()).toMatchObject({ to_run: 4, estimated_seconds: Math.ceil(ONE / 1000) });
    await succeeded('output/sweep', (await loadManifests(['sweep.yaml'], { cwd: dir })).jobs);
    expect((await plan()).stdout).toContain('  time: nothing left to generate\n');
  });

  it('--simulator reads the rehearsal folder (output/<name>.rehearsal) and adds the rendering time', async () => {
    await writeFile(join(dir, 'sweep.yaml'), SWEEP);
    await succeeded('output/sweep.rehearsal', (await loadManifests(['sweep.yaml'], { cwd: dir })).jobs.slice(0, 2));
    const real = (await plan({ json: true })).doc();
    expect(real).toMatchObject({ done: 0, to_run: 12 });
    const rehearsal = (await plan({ json: true, simulator: true, cores: 2, timeScale: 0.01 })).doc();
    const renderMs = (10 * REHEARSAL_RENDER_CPU_MS_PER_TAKE) / 2;
    const generationMs = 3 * ONE * 0.01;
    expect(rehearsal).toMatchObject({
      done: 2,
      to_run: 10,
      rehearsal: true,
      time_scale: 0.01,
      cores: 2,
      estimated_generation_seconds: Math.ceil(generationMs / 1000),
      estimated_render_seconds: Math.ceil(renderMs / 1000),
      estimated_seconds: Math.ceil(Math.max(generationMs, renderMs) / 1000),
    });
    expect(rehearsal.manifests[0]).toMatchObject({ out_dir: join(dir, 'output/sweep.rehearsal'), estimated_render_seconds: Math.ceil(renderMs / 1000) });
    const text = (await plan({ simulator: true, cores: 2, timeScale: 0.01 })).stdout;
    expect(text).toContain('in output/sweep.rehearsal: 2 done, 10 to run');
    expect(text).toContain(`(rendering 10 takes at ~${REHEARSAL_RENDER_CPU_MS_PER_TAKE / 1000} s CPU each on 2 cores: `);
  });
});
