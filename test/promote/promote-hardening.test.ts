import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { promoteCommand, type PromoteOptions } from '../../src/commands/promote.js';
import { readLedger, writeLedger } from '../../src/ledger/store.js';
import type { Ledger, LedgerJob } from '../../src/ledger/types.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { runBuffered } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';
import { runInProcess, writeManifest } from '../run/run-helpers.js';
import { startSimulator } from '../../src/simulator/start-simulator.js';

/** Issue 22, items 2, 4, 5 and 6. */
let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});
const id = (n: number): string => n.toString(16).padStart(16, '0');

async function promote(jobs: LedgerJob[] | null, options: PromoteOptions) {
  if (jobs) await writeLedger(join(dir, 'out'), makeLedger(jobs));
  return runBuffered((io) => promoteCommand('out', { cwd: dir, ...options }, io));
}

describe('promote -o never writes over a file the tool owns (item 2)', () => {
  it('refuses the ledger, journal, picks, report, lock, a take, a poster and another folder\'s ledger, exit 2, and leaves them as they were', async () => {
    const take = makeLedgerJob({ id: id(1) });
    await writeLedger(join(dir, 'out'), makeLedger([take]));
    await writeFile(join(dir, 'out', take.file), 'the video');
    await writeLedger(join(dir, 'other'), makeLedger([makeLedgerJob({ id: id(2) })]));
    await mkdir(join(dir, 'elsewhere'));
    await symlink(join(dir, 'out', 'ledger.json'), join(dir, 'elsewhere', 'p.yaml'));
    const targets = [
      'out/ledger.json',
      'out/ledger.journal.jsonl',
      'out/picks.json',
      'out/report.html',
      'out/.paiwo-batch.lock',
      `out/${take.file}`,
      'out/.posters/x.jpg',
      'other/ledger.json',
      `other/${id(2)}.mp4`,
      'elsewhere/p.yaml', // a link to the ledger
      'out',
    ];
    const before = await readFile(join(dir, 'out', 'ledger.json'), 'utf8');
    for (const output of targets) {
      const r = await promote(null, { ids: [id(1)], quality: '1080p', output });
      expect(r.code, `${output}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/will not write the manifest to .*nothing was written/);
    }
    expect(await readFile(join(dir, 'out', 'ledger.json'), 'utf8')).toBe(before);
    expect(await readFile(join(dir, 'out', take.file), 'utf8')).toBe('the video');
    expect((await readLedger(join(dir, 'out'))).jobs[0]?.video_id).toBe(take.video_id);
    await expect(stat(join(dir, 'out', 'picks.json'))).rejects.toThrow();
    // A manifest beside the takes is fine.
    expect((await promote(null, { ids: [id(1)], quality: '1080p', output: 'out/promoted.yaml' })).code).toBe(0);
  });
});

describe('promote refuses a take with nothing to change (item 4)', () => {
  const auto = { model: 'paiwo-v5.6-ttv', input: 'a cat', aspect_ratio: '16:9', quality: '540p', duration: 5 } as const;
  it('no override, pinning only the seed the service used, or --no-audio where audio was left at the default', async () => {
    const take = (request: LedgerJob['request'], seed: number): LedgerJob => ({ ...makeLedgerJob({ id: id(1), seed }), request, seed_requested: request.seed ?? null });
    const cases: [LedgerJob, PromoteOptions][] = [
      [take({ ...auto, seed: 0 }, 713), {}], // seed 0: the service picked 713; pinning it changes nothing
      [take({ ...auto }, 713), {}], // no seed at all
      [take({ ...auto, seed: 0 }, 713), { quality: '540p' }], // an "override" to what it already is
      [take({ ...auto, seed: 713 }, 713), {}],
      [take({ ...auto, seed: 0 }, 713), { audio: false }], // audio left at the service's default (off)
      [take({ ...auto, seed: 9, generate_audio_switch: false }, 9), { audio: false }],
    ];
    for (const [source, options] of cases) {
      const r = await promote([source], { ids: [id(1)], ...options, output: 'p.yaml' });
      expect(r.code, JSON.stringify(source.request) + r.stderr).toBe(2);
      expect(r.stderr).toContain('nothing would change');
      await expect(stat(join(dir, 'p.yaml'))).rejects.toThrow();
    }
  });

  it('a real change still promotes: --audio on a take left at the default, a new quality', async () => {
    const take = makeLedgerJob({ id: id(1), seed: 713, request: { model: 'paiwo-v5.6-ttv', input: 'a cat', aspect_ratio: '16:9', quality: '540p', duration: 5, seed: 0 } });
    const { generate_audio_switch: _unused, ...request } = take.request;
    expect((await promote([{ ...take, request }], { ids: [id(1)], audio: true })).code).toBe(0);
    expect((await promote([{ ...take, request }], { ids: [id(1)], quality: '1080p' })).code).toBe(0);
  });
});

describe('promote of a request a manifest cannot write (item 5)', () => {
  it('refuses with exit 2 naming the field, never exit 1', async () => {
    const take = makeLedgerJob({ id: id(1) });
    const odd = { ...take, request: { ...take.request, style_id: 42 } } as unknown as LedgerJob;
    const r = await promote([odd], { ids: [id(1)], quality: '1080p' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('"style_id"');
    const empty = { ...take, request: { ...take.request, negative_prompt: '' } };
    const e = await promote([empty], { ids: [id(1)], quality: '1080p' });
    expect([0, 2]).toContain(e.code);
    if (e.code === 2) expect(e.stderr).toContain('negative_prompt');
  });
});

describe('a promoted rehearsal (item 6)', () => {
  it('rehearses into its sources\' folder, and a real run of it says its sources are a rehearsal', async () => {
    await writeManifest(dir, ['a fox'], [1]);
    const first = await runBuffered((io) => import('../../src/commands/run.js').then((m) => m.runCommand(['m.yaml'], { simulator: true, timeScale: 0.003, logLevel: 'warn', cwd: dir, progress: false }, io)));
    expect(first.code, first.stderr).toBe(0);
    const rehearsal: Ledger = await readLedger(join(dir, 'output/t.rehearsal'));
    const p = await runBuffered((io) => promoteCommand('output/t.rehearsal', { cwd: dir, ids: [rehearsal.jobs[0]!.id], quality: '1080p', output: 'p.yaml' }, io));
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/is a rehearsal/);
    const again = await runBuffered((io) => import('../../src/commands/run.js').then((m) => m.runCommand(['p.yaml'], { simulator: true, timeScale: 0.003, logLevel: 'warn', cwd: dir, progress: false }, io)));
    expect(again.code, again.stderr).toBe(0);
    await expect(stat(join(dir, 'output/t.rehearsal.rehearsal'))).rejects.toThrow();
    expect((await readLedger(join(dir, 'output/t.rehearsal'))).jobs).toHaveLength(2);

    const sim = await startSimulator({ timeScale: 0.003, apiKey: 'sk-test-9f8e7d6c5b4a-secret' });
    try {
      const real = await runInProcess(dir, ['p.yaml'], { baseUrl: sim.url, progress: false });
      expect(real.code).toBe(2);
      expect(real.stderr).toMatch(/sources are a rehearsal/);
      expect(real.stderr).not.toMatch(/drop --out|without --out/);
      expect(sim.stats().submits.accepted).toBe(0);
    } finally {
      await sim.close();
    }
  });
});
