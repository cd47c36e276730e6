import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { stringify } from 'yaml';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { resolveOutputPath } from '../../src/manifest/safe-file-name.js';
import { checkRequest } from '../../src/model/capabilities.js';
import { estimateCredits } from '../../src/model/prices.js';
import { it } from '../helpers/temp-dir.js';
import { exampleManifestPaths } from '../helpers/example-manifests.js';

/** Property-based fuzzing of the manifest language: `npm run fuzz` runs 20,000 cases; the suite ~1,000. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const CLI_RUNS = 24;
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

// ---- generators
const goodScalar = fc.constantFrom<unknown>('16:9', '9:16', '4:3', '1:1', '360p', '540p', '720p', '1080p', 5, 8, 10, 'fast', 'normal', true, false, 0, 1, 7, 2147483647, 'A cat', '一只{animal}在草地上玩耍', 'seed {seed} {quality}', '{{braces}}', 'x'.repeat(2100));
const badScalar = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.integer(), fc.double(), fc.constant(null), fc.constantFrom('../../etc/passwd', 'CON', '\u0000\u202e', '{', '}', '{x}', '{animl}', 'a/b\\c'));
const scalar = fc.oneof({ weight: 3, arbitrary: goodScalar }, { weight: 1, arbitrary: badScalar });
const key = fc.constantFrom(
  'name', 'model', 'defaults', 'matrix', 'repeat', 'max_jobs', 'filename', 'run', 'prompt', 'aspect_ratio', 'quality', 'duration', 'motion_mode',
  'negative_prompt', 'generate_audio_switch', 'seed', 'include', 'exclude', 'animal', 'id', 'text', 'from', 'count', 'random', 'base', 'concurrency',
  'poll', 'interval', 'max_interval', 'qualty', 'out', '__proto__', '', '1', 'a b',
);
const anyValue = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
})).v;

const requestKey = fc.constantFrom('aspect_ratio', 'quality', 'duration', 'motion_mode', 'negative_prompt', 'generate_audio_switch', 'seed', 'prompt');
const axisKey = fc.constantFrom('prompt', 'aspect_ratio', 'quality', 'duration', 'motion_mode', 'negative_prompt', 'generate_audio_switch', 'seed', 'animal', 'mood', 'qualiti', 'model', '1x');
const promptEntry = fc.oneof(
  fc.constantFrom('A cat', 'A {animal} in snow', '一只{animal}', 'seed {seed}', 'A cat!', 'a cat', '', '{mood} sky'),
  fc.record({ id: fc.constantFrom('snow', 'cat', 'snow', '../x', 'CON'), text: fc.constantFrom('A {animal}', 'Snow', '{x}') }, { requiredKeys: ['text'] }),
);
const seedSpec = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(2147483647)), { maxLength: 3 }),
  fc.record({ from: fc.integer({ min: -1, max: 2147483647 }), count: fc.integer({ min: -1, max: 4 }) }),
  fc.record({ random: fc.integer({ min: 0, max: 4 }), base: fc.integer({ min: -1, max: 99 }) }),
);
const axisValues = fc.oneof(fc.array(scalar, { maxLength: 3 }), fc.array(promptEntry, { maxLength: 3 }), seedSpec);
const entry = fc.dictionary(fc.oneof(axisKey, key), scalar, { maxKeys: 4 });
const manifestShaped = fc.record(
  {
    name: fc.oneof(fc.constantFrom('demo', 'a b', '../up', '猫'), fc.string({ maxLength: 8 })),
    model: fc.constantFrom('paiwo-v5.6-ttv', 'paiwo-v5.5-ttv', 'paiwo-v5-ttv', 'paiwo-v5.6-tv'),
    defaults: fc.dictionary(requestKey, fc.oneof(scalar, promptEntry), { maxKeys: 6 }),
    matrix: fc.tuple(fc.dictionary(axisKey, axisValues, { maxKeys: 5 }), fc.array(entry, { maxLength: 3 }), fc.array(entry, { maxLength: 2 })).map(([axes, include, exclude]) => ({
      ...axes,
      ...(include.length > 0 && { include }),
      ...(exclude.length > 0 && { exclude }),
    })),
    repeat: fc.integer({ min: -1, max: 3 }),
    max_jobs: fc.integer({ min: 0, max: 50 }),
    filename: fc.constantFrom('{prompt}', '{id}', '{prompt}/{seed}', '../{id}', '{nope}', '{animal}_{repeat}', 'CON', '/abs/{id}', '{prompt}_{aspect_ratio}'),
    run: fc.dictionary(fc.constantFrom('concurrency', 'poll', 'retries', 'out', 'max_credits', 'concurency'), anyValue, { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

/** Mostly right, now and then wrong: valid often enough to exercise the job invariants. */
const mostly = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 20, arbitrary: good }, { weight: 1, arbitrary: bad });
const goodPrompt = fc.constantFrom<unknown>('A cat', 'A {animal} in snow', '一只{animal}在草地上玩耍', { id: 'snow', text: 'Snow and {animal}' }, { text: 'At {quality}: a {animal}', duration: 8 });
const goodSeeds = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
  fc.record({ from: fc.integer({ min: 1, max: 100 }), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ random: fc.integer({ min: 1, max: 3 }), base: fc.integer({ min: 0, max: 99 }) }),
);
const plausible = fc.record(
  {
    name: mostly(fc.constantFrom('demo', 'sweep-1', '猫'), fc.constantFrom('a b', '../up', '')),
    model: mostly(fc.constant('paiwo-v5.6-ttv'), fc.constantFrom('paiwo-v5.5-ttv', 'paiwo-v5-ttv', 'paiwo-v5.6-tv')),
    defaults: fc.record(
      {
        aspect_ratio: mostly(fc.constantFrom('16:9', '9:16', '1:1'), badScalar),
        quality: mostly(fc.constantFrom('360p', '540p', '720p', '1080p'), badScalar),
        duration: mostly(fc.constantFrom(5, 8), fc.constantFrom(10, 7, '5')),
        generate_audio_switch: mostly(fc.boolean(), badScalar),
        motion_mode: mostly(fc.constant('normal'), fc.constant('fast')),
        negative_prompt: mostly(fc.constantFrom('no people', 'no {animal}'), fc.constantFrom('{nope}', 'x'.repeat(2049))),
      },
      { requiredKeys: ['aspect_ratio', 'quality', 'duration'] },
    ),
    matrix: fc.record(
      {
        prompt: fc.array(mostly(goodPrompt, promptEntry), { minLength: 1, maxLength: 3 }),
        animal: fc.array(mostly(fc.constantFrom('cat', 'fox', '小猫'), badScalar), { minLength: 1, maxLength: 2 }),
        seed: mostly(goodSeeds, seedSpec),
        aspect_ratio: fc.array(fc.constantFrom('16:9', '4:3', '3:4'), { minLength: 1, maxLength: 2 }),
        include: mostly(fc.constantFrom([{ animal: 'owl' }], [{ prompt: 'A {animal} in snow', animal: 'owl', seed: 9 }], [{ motion_mode: 'normal' }]), fc.array(entry, { minLength: 1, maxLength: 2 })),
        exclude: mostly(fc.constantFrom([{ animal: 'fox' }], [{ aspect_ratio: '4:3', animal: 'cat' }]), fc.array(entry, { minLength: 1, maxLength: 2 })),
      },
      { requiredKeys: ['prompt', 'animal', 'aspect_ratio'] },
    ),
    repeat: mostly(fc.integer({ min: 1, max: 2 }), fc.constant(0)),
    filename: mostly(fc.constantFrom('{prompt}_{animal}_{aspect_ratio}_{seed}_{repeat}_{id}', '{animal}/{id}'), fc.constantFrom('../{id}', '{nope}', '{prompt}')),
    run: mostly(fc.constant({ concurrency: 2 }), anyValue),
  },
  { requiredKeys: ['defaults', 'matrix'] },
);

const examples = [
  // The tracked examples only (a user may keep a broken manifest of their own in manifests/).
  ...exampleManifestPaths(),
  ...readdirSync(path.join(ROOT, 'test/fixtures/manifests')).map((f) => path.join(ROOT, 'test/fixtures/manifests', f)),
]
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(f, 'utf8'));
const mutation = fc.record({
  at: fc.nat({ max: 4000 }),
  cut: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.string({ unit: fc.constantFrom(...':-[]{}&*!|>\'"#\n \t,?%@`\\'.split('')), maxLength: 6 }), fc.string({ maxLength: 6 }), fc.constantFrom('\n  ', '\n- ', ': ', '*a', '&a ', '---\n', '!!binary ', '<<: ')),
});
const mutated = fc.tuple(fc.constantFrom(...examples), fc.array(mutation, { minLength: 1, maxLength: 5 })).map(([text, edits]) =>
  edits.reduce((t, e) => {
    const at = e.at % (t.length + 1);
    return t.slice(0, at) + e.insert + t.slice(at + e.cut);
  }, text),
);

const manifestText = fc.oneof(
  { weight: 3, arbitrary: manifestShaped.map((m) => stringify(m)) },
  { weight: 3, arbitrary: plausible.map((m) => stringify(m)) },
  { weight: 3, arbitrary: mutated },
  { weight: 1, arbitrary: anyValue.map((v) => stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
);

/** What must hold for any text whatsoever. */
function checkOutcome(text: string): void {
  const { manifest, diagnostics } = parseManifest(text, 'fuzz.yaml');
  for (const d of diagnostics) {
    expect(d.file).toBe('fuzz.yaml');
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toMatch(/\n\s+at /);
    expect(Number.isInteger(d.line) && d.line >= 0 && Number.isInteger(d.column) && d.column >= 0).toBe(true);
  }
  if (!manifest) {
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
    return;
  }
  expect(diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  expect(manifest.jobs.length).toBeLessThanOrEqual(manifest.maxJobs);
  const ids = new Set<string>();
  const files = new Set<string>();
  for (const job of manifest.jobs) {
    expect(job.id).toMatch(/^[0-9a-f]{16}$/);
    expect(checkRequest(job.request).filter((v) => v.severity === 'error')).toEqual([]);
    expect(job.estimatedCredits).toBe(estimateCredits(job.request));
    expect(() => resolveOutputPath('/tmp/out', job.file)).not.toThrow();
    expect(job.file).toMatch(/\.mp4$/);
    ids.add(job.id);
    files.add(job.file.toLowerCase());
  }
  expect(ids.size).toBe(manifest.jobs.length);
  expect(files.size).toBe(manifest.jobs.length);
}

describe('manifest fuzzing', () => {
  it(`any text gives a manifest whose every job is sendable, or errors with positions, never a throw (${RUNS} runs)`, () => {
    fc.assert(fc.property(manifestText, checkOutcome), { numRuns: RUNS });
  });

  it('generated manifests are often valid, so the job invariants are really exercised', () => {
    const samples = fc.sample(plausible.map((m) => stringify(m)), { numRuns: 300, seed: 42 });
    const validCount = samples.filter((t) => parseManifest(t, 'x.yaml').manifest).length;
    expect(validCount).toBeGreaterThan(60);
    const mutatedValid = fc.sample(mutated, { numRuns: 300, seed: 42 }).filter((t) => parseManifest(t, 'x.yaml').manifest).length;
    expect(mutatedValid).toBeGreaterThan(0);
  });

  it(`through the CLI: exit 0 or 2, readable lines, no stack, nothing sent (${CLI_RUNS} processes)`, async ({ tmp: dir }) => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const env = { ...process.env, DMXAPI_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, DMXAPI_API_KEY: 'sk-fuzz' };
    try {
      const texts = fc.sample(manifestText, { numRuns: CLI_RUNS, seed: Number(process.env.FUZZ_SEED ?? 7) });
      const run = async (text: string, i: number): Promise<void> => {
        const file = path.join(dir, `m${i}.yaml`);
        await writeFile(file, text);
        const { code, stdout, stderr } = await runCli([i % 2 ? 'validate' : 'plan', file], { env, timeoutMs: 30_000 });
        expect([0, 2], `exit ${code} for:\n${text}\n${stderr}`).toContain(code);
        expect(stderr).not.toMatch(/^\s+at /m);
        expect(stderr).not.toContain('internal error');
        if (code === 2) {
          const lines = stderr.trimEnd().split('\n');
          expect(lines.at(-1)).toMatch(/nothing was (planned or )?sent\.$/);
          for (const l of lines.slice(0, -1)) expect(l).toMatch(/^\S.*? {2}\S+ {2}\S/);
        } else {
          expect(stdout.length).toBeGreaterThan(0);
        }
      };
      for (let i = 0; i < texts.length; i += 4) await Promise.all(texts.slice(i, i + 4).map((t, k) => run(t, i + k)));
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });
});
