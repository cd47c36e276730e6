import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/commands/command-io.js';
import { validateCommand } from '../../src/commands/validate.js';
import { PaiwoError } from '../../src/errors/paiwo-error.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { exampleManifestPaths } from '../helpers/example-manifests.js';

/**
 * The `validate` command itself (file reading, scanning, formatting, exit code) over mutated manifests on disk,
 * in-process so thousands fit in the time budget: `npm run fuzz` runs FUZZ_RUNS / 2 (10,000), the suite 500. The
 * parser-level fuzzing (and CLI processes against a tripwire server) is manifest-fuzz.test.ts.
 */
const RUNS = Math.max(100, Math.round(Number(process.env.FUZZ_RUNS ?? 1000) / 2));
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

// The tracked examples only (not a listing of manifests/, where a user may keep a broken manifest of their own).
const examples = [...exampleManifestPaths(), ...readdirSync(path.join(ROOT, 'test/fixtures/manifests')).map((f) => path.join(ROOT, 'test/fixtures/manifests', f))]
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(f, 'utf8'));

const edit = fc.record({
  at: fc.nat({ max: 5000 }),
  cut: fc.nat({ max: 20 }),
  insert: fc.oneof(
    fc.string({ unit: fc.constantFrom(...':-[]{}&*!|>\'"#\n \t,?%@`\\'.split('')), maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('\n  ', '\n- ', ': ', '*a', '&a ', '---\n', '!!binary ', '<<: ', '{', '}', 'seed: -1', 'quality: 1080p\nduration: 10', '\u0000', '\uFEFF'),
  ),
});
const text = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...examples), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([t, edits]) => edits.reduce((s, e) => s.slice(0, e.at % (s.length + 1)) + e.insert + s.slice((e.at % (s.length + 1)) + e.cut), t)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(...examples) },
);

function captureIO(): { io: CommandIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const io = { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {}, isTTY: false } as unknown as CommandIO;
  return { io, out: () => out, err: () => err };
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('validate-fuzz');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('validate over mutated manifests', () => {
  it(`exit 0 or 2 with a readable message, never a throw of another kind (${RUNS} runs)`, async () => {
    let valid = 0;
    let i = 0;
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        const file = path.join(dir, `m${i++ % 8}.yaml`);
        await writeFile(file, t);
        const { io, out, err } = captureIO();
        let code: number;
        try {
          code = await validateCommand([file], {}, io);
        } catch (error) {
          // The CLI prints a PaiwoError's message and exits with its code: it must be a usage error.
          expect(error).toBeInstanceOf(PaiwoError);
          expect((error as PaiwoError).exitCode).toBe(2);
          expect((error as Error).message).not.toMatch(/\n\s+at /);
          return;
        }
        expect([0, 2]).toContain(code);
        expect(err()).not.toMatch(/^\s+at /m);
        if (code === 0) {
          valid++;
          expect(out()).toMatch(/^valid: 1 manifest, \d+ jobs?, about [\d,]+ credits/);
        } else {
          const lines = err().trimEnd().split('\n');
          expect(lines.at(-1)).toMatch(/nothing was sent\.$/);
          for (const l of lines.slice(0, -1)) expect(l).toMatch(/^\S.*:\d+:\d+ {2}/);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 11) },
    );
    // Not vacuous: some mutated manifests are still valid, so both exits are exercised.
    expect(valid).toBeGreaterThan(0);
  }, 120_000);
});
