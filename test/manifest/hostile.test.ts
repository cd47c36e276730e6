import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { MAX_SEGMENT_BYTES, resolveOutputPath } from '../../src/manifest/safe-file-name.js';
import { errorsOf, valid } from './helpers.js';

const D = 'defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }';
const OUT = path.resolve('/tmp/paiwo-out');

function expectInside(files: readonly string[]): void {
  for (const f of files) {
    expect(f.split('/')).not.toContain('..');
    expect(path.isAbsolute(f)).toBe(false);
    expect(() => resolveOutputPath(OUT, f)).not.toThrow();
    for (const segment of f.split('/')) expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(f).not.toMatch(/[\u0000-\u001f\u007f]/);
  }
}

describe('hostile values are refused or made safe', () => {
  it('a prompt id of ../../etc/passwd is refused at its position', () => {
    expect(errorsOf(`${D}\nmatrix:\n  prompt:\n    - { id: ../../etc/passwd, text: x }`)).toEqual([
      expect.objectContaining({ line: 4, column: 13, path: 'matrix.prompt[0].id', message: expect.stringContaining('a prompt id may only use letters') }),
    ]);
  });

  it('a prompt text of ../../etc/passwd gets a harmless id', () => {
    const m = valid(`${D}\nmatrix:\n  prompt: ["../../etc/passwd"]`);
    expect(m.jobs[0]!.file).toBe('etc-passwd_16x9_540p_5s_seedauto.mp4');
    expect(m.jobs[0]!.request.input).toBe('../../etc/passwd');
  });

  it('variables full of separators, dots, drive letters and reserved names stay inside the output folder', () => {
    const m = valid(`${D}
matrix:
  prompt: ["{v}"]
  v: ["../../../etc/passwd", "..", ".", "a/b\\\\c", "C:\\\\Windows", "CON", "nul.txt", "trailing. . ", "/abs"]
filename: "{v}/{v}"`);
    expect(m.jobs).toHaveLength(9);
    expectInside(m.jobs.map((j) => j.file));
    expect(m.jobs.map((j) => j.file)).toContain('_CON/_CON.mp4');
  });

  it('file-name patterns that try to leave the output folder are refused', () => {
    for (const pattern of ['../{prompt}', '{prompt}/../../x', '/etc/{prompt}', 'C:/{prompt}']) {
      expect(errorsOf(`${D}\nmatrix:\n  prompt: [a]\nfilename: "${pattern}"`)).toEqual([expect.objectContaining({ path: 'filename', line: 4, column: 11 })]);
    }
  });

  it('control characters never reach a file name; a name with them is refused', () => {
    const m = valid(`${D}\nmatrix:\n  prompt: ["{v}"]\n  v: ["a\\0b\\x07c\\e\\u202Ed"]\nfilename: "{v}"`);
    expect(m.jobs[0]!.file).toBe('abcd.mp4');
    expect(m.jobs[0]!.request.input).toBe('a\u0000b\u0007c\u001b\u202ed');
    expect(errorsOf(`name: "bad\\x07"\n${D}\nmatrix:\n  prompt: [a]`)[0]).toMatchObject({ path: 'name' });
  });

  it('a 10,000-character prompt is refused with its length; its id and file name stay short', () => {
    const long = 'a cat '.repeat(1667).slice(0, 10_000);
    const r = parseManifest(`${D}\nmatrix:\n  prompt: ["${long}"]`, 'x.yaml');
    expect(r.manifest).toBeUndefined();
    expect(r.diagnostics).toEqual([expect.objectContaining({ path: 'matrix.prompt[0]', message: 'prompt is 10000 characters; at most 2048 (1 job)' })]);
    const m = valid(`${D}\nmatrix:\n  prompt: ["{v}"]\n  v: ["${'猫'.repeat(1000)}"]\nfilename: "{v}/{prompt}"`);
    expectInside(m.jobs.map((j) => j.file));
  });

  it('text over 10 MB is refused without parsing', () => {
    const r = parseManifest(`# ${'x'.repeat(11 * 1024 * 1024)}\n`, 'big.yaml');
    expect(r.diagnostics).toEqual([expect.objectContaining({ line: 0, message: expect.stringContaining('larger than 10 MB') })]);
  });

  it('pathological nesting is refused before parsing, not a crash', () => {
    // Deep enough to exhaust the parser's stack (which can abort the whole process), in the order that once did.
    const texts = [
      `defaults: ${'['.repeat(1000)}${']'.repeat(1000)}\n`,
      `defaults: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
      `defaults:\n  ${'- '.repeat(20_000)}x\n`,
      `defaults:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} x\n`,
    ];
    for (const text of texts) {
      expect(parseManifest(text, 'deep.yaml').diagnostics).toEqual([expect.objectContaining({ line: 1, column: 1, message: expect.stringContaining('nests too deeply') })]);
    }
  });

  it('__proto__ and constructor keys are unknown keys, and pollute nothing', () => {
    const errors = errorsOf(`${D}\n__proto__: { polluted: true }\nconstructor: 1\nmatrix:\n  prompt: [a]`);
    expect(errors.map((e) => e.message)).toEqual(['unknown key "__proto__"', 'unknown key "constructor"']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a few aliases are fine; the limit only stops expansion bombs', () => {
    const m = valid(`defaults: &d { aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n  prompt: [&p "A cat", *p]\n`);
    expect(m.jobs).toHaveLength(1);
  });

  it('an impossible random seed count is refused at its line before any seed is drawn, whatever max_jobs says', () => {
    // Before the fix this drew seeds into a Set until RangeError (15 s, ~0.8 GB); now it cannot get that far.
    const r = errorsOf(`${D}\nmax_jobs: 100000000000\nmatrix:\n  prompt: [a]\n  seed: { random: 3000000000, base: 1 }\n`);
    expect(r).toEqual([
      expect.objectContaining({ line: 5, path: 'matrix.seed.random', message: expect.stringContaining('3,000,000,000 distinct random seeds cannot exist') }),
    ]);
  });

  it('a possible but enormous seed count is refused with the absolute limit when max_jobs is raised', () => {
    const r = errorsOf(`${D}\nmax_jobs: 100000000000\nmatrix:\n  prompt: [a]\n  seed: { random: 2000000000, base: 1 }\n`);
    expect(r.map((d) => d.message)).toEqual([expect.stringContaining('more than any manifest may plan (1,000,000, whatever max_jobs says)')]);
  });
});
