import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { promoteCommand, type PromoteOptions } from '../../src/commands/promote.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { writeLedger } from '../../src/ledger/store.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { makeLedgerJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { runBuffered } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

const id = (n: number): string => n.toString(16).padStart(16, '0');

async function promote(jobs: LedgerJob[], options: PromoteOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  await writeLedger(join(dir, 'out'), makeLedger(jobs));
  return runBuffered((io) => promoteCommand('out', { cwd: dir, ...options }, io));
}

function jobsOf(text: string) {
  const parsed = parseManifest(text, 'p.yaml');
  expect(parsed.diagnostics).toEqual([]);
  return parsed.manifest!.jobs;
}

describe('promote: what it refuses and how it writes awkward takes', () => {
  it('refuses a take that did not succeed and one with no known seed, listing both; nothing is written', async () => {
    const jobs = [
      makeLedgerJob({ id: id(1), status: 'failed' }),
      makeLedgerJob({ id: id(2), seed: null, request: { model: 'paiwo-v5.6-ttv', input: 'x', aspect_ratio: '16:9', quality: '540p', duration: 5, seed: 0 } }),
      makeLedgerJob({ id: id(3) }),
    ];
    const r = await promote(jobs, { ids: [id(1), id(2), id(3)], quality: '1080p', output: 'p.yaml' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`take ${id(1)} is failed, not succeeded`);
    expect(r.stderr).toContain(`take ${id(2)} has no known seed`);
    expect(r.stderr).not.toContain(`take ${id(3)}`);
    await expect(access(join(dir, 'p.yaml'))).rejects.toThrow();
  });

  it('pins the seed asked for, with a warning, when the service reported none', async () => {
    const r = await promote([makeLedgerJob({ id: id(1), seed: null, request: { seed: 4242 } as LedgerJob['request'] })], { ids: [id(1)], quality: '1080p' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('did not report the seed it used; pinning seed 4242');
    expect(jobsOf(r.stdout)[0]!.request.seed).toBe(4242);
  });

  it('writes any prompt text exactly: braces, quotes, line breaks YAML would fold, non-ASCII', async () => {
    const input = 'a {literal} "quoted" cat\nnext\u0085line\u2028sep\u2029para 一只小猫 \u{1F408} é\\';
    const negative = 'no {{people}}\ttab';
    const r = await promote([makeLedgerJob({ id: id(1), request: { input, negative_prompt: negative } as LedgerJob['request'] })], { ids: [id(1)], duration: 8, audio: false });
    expect(r.code, r.stderr).toBe(0);
    const [job] = jobsOf(r.stdout);
    expect(job!.request).toMatchObject({ input, negative_prompt: negative, duration: 8, generate_audio_switch: false, seed: 713039308 });
    expect(job!.promotedFrom).toBe(id(1));
  });

  it('adds the job id to file names when two new jobs (or a new job and an old one) would share a file', async () => {
    const base = { model: 'paiwo-v5.6-ttv', input: 'a cat', aspect_ratio: '16:9', quality: '540p', duration: 5, seed: 7 } as const;
    const jobs = [
      makeLedgerJob({ id: id(1), seed: 7, request: { ...base, negative_prompt: 'dogs' } }),
      makeLedgerJob({ id: id(2), seed: 7, request: { ...base, negative_prompt: 'birds' } }),
    ];
    const r = await promote(jobs, { ids: [id(1), id(2)], quality: '1080p', output: 'p.yaml' });
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(join(dir, 'p.yaml'), 'utf8');
    expect(text).toContain('filename: "{prompt}_{aspect_ratio}_{quality}_{duration}s_seed{seed}_{id}"');
    const files = jobsOf(text).map((j) => j.file);
    expect(new Set(files).size).toBe(2);
    expect(files.every((f) => /^cat_16x9_1080p_5s_seed7_[0-9a-f]{16}\.mp4$/.test(f))).toBe(true);
  });

  it('writes two takes that become the same request once', async () => {
    const base = { model: 'paiwo-v5.6-ttv', input: 'a cat', aspect_ratio: '16:9', duration: 5, seed: 7 } as const;
    const jobs = [makeLedgerJob({ id: id(1), seed: 7, request: { ...base, quality: '360p' } }), makeLedgerJob({ id: id(2), seed: 7, request: { ...base, quality: '540p' } })];
    const r = await promote(jobs, { ids: [id(1), id(2)], quality: '1080p' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`takes ${id(1)} and ${id(2)} become the same request`);
    expect(jobsOf(r.stdout).map((j) => j.promotedFrom)).toEqual([id(1)]);
  });

  it('a picks file with no favourite promotes nothing (exit 2)', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'picks.json'), JSON.stringify({ version: 1, updated_at: 'x', takes: { [id(1)]: { mark: null, note: 'maybe' } } }));
    const r = await promote([makeLedgerJob({ id: id(1) })], { picks: 'picks.json', quality: '1080p' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('marks no take "favourite"');
  });
});

describe('the manifest key `from:`', () => {
  const manifest = (entry: string) => `defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n${entry}`;

  it('is metadata: the same job id with or without it, recorded as promotedFrom', () => {
    const plain = parseManifest(manifest('  include:\n    - { prompt: a cat, seed: 3 }\n'), 'a.yaml').manifest!.jobs[0]!;
    const linked = parseManifest(manifest(`  include:\n    - { prompt: a cat, seed: 3, from: \"${id(9)}\" }\n`), 'b.yaml').manifest!.jobs[0]!;
    expect(linked.id).toBe(plain.id);
    expect(linked.request).toEqual(plain.request);
    expect(linked.promotedFrom).toBe(id(9));
    expect(plain.promotedFrom).toBeUndefined();
    expect(linked.axes).not.toHaveProperty('from');
  });

  it('must be a job id, and only on an include entry that adds a job of its own', () => {
    const bad = parseManifest(manifest('  include:\n    - { prompt: a cat, from: fox-1 }\n'), 'c.yaml');
    expect(bad.manifest).toBeUndefined();
    expect(bad.diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n')).toMatch(/matrix\.include\[0\]\.from: .*a job id/);
    const merged = parseManifest(manifest(`  prompt: [a cat]\n  seed: [1, 2]\n  include:\n    - { seed: 2, from: \"${id(9)}\" }\n`), 'd.yaml');
    expect(merged.manifest).toBeUndefined();
    expect(merged.diagnostics.map((d) => d.message).join('\n')).toContain('`from` names the source of a job this entry adds on its own');
  });
});
