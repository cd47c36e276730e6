import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ManifestError } from '../../src/errors/manifest-error.js';
import { loadManifests } from '../../src/manifest/load-manifests.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { pruneValue } from '../../src/manifest/prune-value.js';
import { FIXTURES, fixtureDiagnosticLines as lines, parse } from './helpers.js';

describe('schema errors do not hide the problems expansion finds', () => {
  it('the issue example: 3 schema errors, the unknown template variable and 1080p × 10 s, at their own line:column', () => {
    const f = `${FIXTURES}/typo-demo.yaml`;
    expect(lines('typo-demo.yaml')).toEqual([
      `${f}:3:3  defaults.qualty  unknown key "qualty" (did you mean "quality"?)`,
      `${f}:4:13  defaults.duration  duration 10s is not allowed at 1080p for paiwo-v5.6-ttv (allowed: 5, 8); quality from matrix.quality[1] (2 jobs)`,
      `${f}:6:12  matrix.prompt[0]  unknown variable {animl} in the prompt (did you mean "animal"?); write {{ and }} for literal braces`,
      `${f}:7:11  matrix.animal  warning: no prompt or negative prompt uses {animal}, so jobs that differ only in it send the same request (they run once)`,
      `${f}:8:26  matrix.aspect_ratio[1]  "21:9" is not one of "16:9", "9:16", "4:3", "3:4", "1:1" (did you mean "16:9"?)`,
      `${f}:10:13  matrix.seed[1]  -4 is too small; must be at least 0`,
    ]);
  });

  it('the loader behind plan and run refuses the file with all 5 errors', async () => {
    const error = await loadManifests([`${FIXTURES}/typo-demo.yaml`]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column}`)).toEqual(['3:3', '4:13', '6:12', '8:26', '10:13']);
    expect((error as ManifestError).exitCode).toBe(2);
  });

  it('a schema error and a file-name collision', () => {
    const f = `${FIXTURES}/schema-and-collision.yaml`;
    const out = lines('schema-and-collision.yaml');
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(`${f}:7:16  defaults.motion_mode  "turbo" is not one of "normal", "fast"`);
    expect(out[1]).toMatch(new RegExp(`^${f}:8:11  filename  2 jobs would write the same file as another job, e\\.g\\. jobs [0-9a-f]{16} and [0-9a-f]{16} both write "a-cat_540p\\.mp4"; add \\{id\\} or \\{seed\\}`));
  });

  it('schema errors in some prompts, a capability error in another; items after a removed one keep their own index and line', () => {
    const f = `${FIXTURES}/schema-and-rules-per-prompt.yaml`;
    expect(lines('schema-and-rules-per-prompt.yaml')).toEqual([
      `${f}:10:49  matrix.prompt[0].quality  "2160p" is not one of "360p", "540p", "720p", "1080p" (did you mean "360p"?)`,
      `${f}:11:15  matrix.prompt[1].text  expected text, got 42`,
      `${f}:12:53  matrix.prompt[2].motion_mode  motion_mode "fast" does not support 8s on paiwo-v5.6-ttv; duration from matrix.duration[1] (2 jobs)`,
      `${f}:13:7  matrix.prompt[3]  unknown variable {colr} in the prompt (did you mean "colour"?); write {{ and }} for literal braces`,
      `${f}:15:13  matrix.quality[0]  "4k" is not one of "360p", "540p", "720p", "1080p"`,
      `${f}:16:14  matrix.duration[0]  duration 10s is not allowed at 1080p for paiwo-v5.6-ttv (allowed: 5, 8); quality from matrix.quality[1] (6 jobs)`,
    ]);
  });

  it('reports no consequence of the removal: emptied lists, pruned required keys, defaults that took a removed value\'s place', () => {
    const f = `${FIXTURES}/pruning-consequences.yaml`;
    // Not: "quality is not set", "the list is empty" (mood), "unknown variable {mood}", "text is required",
    // "count"/"from" of the seed axis, "max_interval is shorter than interval" (interval fell back to 5),
    // "more jobs than max_jobs".
    expect(lines('pruning-consequences.yaml')).toEqual([
      `${f}:3:11  max_jobs  expected a number, got "many"`,
      `${f}:6:12  defaults.quality  "4k" is not one of "360p", "540p", "720p", "1080p"`,
      `${f}:9:43  matrix.prompt[1].text  expected text, got 7`,
      `${f}:10:10  matrix.mood[0]  expected text or a number or true or false, got a mapping`,
      `${f}:11:17  matrix.seed.from  -1 is too small; must be at least 0`,
      `${f}:13:21  run.poll.interval  expected a number, got "soon"`,
    ]);
  });

  it('a max_jobs that fell back to its default does not refuse the job count', () => {
    const r = parse(`
      max_jobs: -5
      defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }
      matrix:
        prompt: [a, b, c, d, e, f, g, h, i, j, k, l]
        seed: { from: 1, count: 100 }
    `);
    expect(r.manifest).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.message}`)).toEqual(['1:11 max_jobs -5 is too small; must be at least 1']);
  });

  it('a problem that does not depend on what was removed is still reported (a required field missing everywhere)', () => {
    const r = parse(`
      defaults: { aspect_ratio: "16:9", duration: 5, motion_mode: slow }
      matrix:
        prompt: [a]
    `);
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.message}`)).toEqual([
      '1:11 defaults quality is not set; set it in defaults or as a matrix axis (1 job)',
      '1:61 defaults.motion_mode "slow" is not one of "normal", "fast"',
    ]);
  });

  it('a misspelt required key is one error, not also "is not set" for the key it misspells', () => {
    const r = parse(`
      defaults: { qualty: 540p, aspect_ratio: "16:9", duration: 5 }
      matrix:
        prompt: [a]
    `);
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.message}`)).toEqual(['1:13 defaults.qualty unknown key "qualty" (did you mean "quality"?)']);
    // A key too far from any known one says nothing about quality: the missing field is still reported.
    const far = parse(`
      defaults: { resolution: 540p, aspect_ratio: "16:9", duration: 5 }
      matrix:
        prompt: [a]
    `);
    expect(far.diagnostics.map((d) => d.message)).toEqual(['quality is not set; set it in defaults or as a matrix axis (1 job)', 'unknown key "resolution"']);
  });

  it('never hands on a manifest with a schema error, even when the rest of it is clean', () => {
    const r = parse(`
      defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5, seed: 1.5 }
      matrix:
        prompt: [a, b]
    `);
    expect(r.manifest).toBeUndefined();
    expect(r.diagnostics.map((d) => d.severity)).toEqual(['error']);
  });

  it('keeps the safety limits: an alias bomb stays one error, a huge matrix is refused before it is built', () => {
    expect(lines('alias-bomb.yaml')).toHaveLength(1);
    const r = parse(`
      defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5, motion_mode: slow }
      matrix:
        prompt: [a]
        seed: { from: 1, count: 2000000000 }
    `);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      '"slow" is not one of "normal", "fast"',
      'the matrix has 2,000,000,000 combinations, far more than max_jobs (1000); raise max_jobs or --max-jobs if you really mean it',
    ]);
  });
});

describe('a file with more schema problems than are listed', () => {
  it('is not checked further: past 200 problems the rest would not be shown, and each round re-reads the whole file', () => {
    const text = `defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n  prompt: ["a {animl}"]\n  animal: [cat]\n  quality:\n${'    - 4k\n'.repeat(201)}`;
    const { manifest, diagnostics } = parseManifest(text, 'many.yaml');
    expect(manifest).toBeUndefined();
    expect(diagnostics).toHaveLength(201);
    expect(diagnostics.some((d) => d.message.startsWith('unknown variable'))).toBe(false);
    expect(diagnostics.at(-1)!.message).toBe('… and 1 more problems not shown');
    // One problem fewer and the template is checked too.
    const fewer = parseManifest(text.replace('    - 4k\n', ''), 'fewer.yaml').diagnostics;
    expect(fewer.filter((d) => d.message.startsWith('unknown variable')).map((d) => `${d.line}:${d.column}`)).toEqual(['3:12']);
  });
});

describe('pruneValue', () => {
  it('removes keys and list items, leaves the input alone, and maps pruned paths back to the original', () => {
    const input = { a: [0, 1, 2, 3], b: { c: 1, d: 2 }, e: [{ f: 1 }, { f: 2 }] };
    const before = structuredClone(input);
    const pruned = pruneValue(input, [['a', 0], ['a', 2], ['b', 'c'], ['e', 0]]);
    expect(pruned.value).toEqual({ a: [1, 3], b: { d: 2 }, e: [{ f: 2 }] });
    expect(input).toEqual(before);
    expect(pruned.toOriginal(['a', 1])).toEqual(['a', 3]);
    expect(pruned.toOriginal(['e', 0, 'f'])).toEqual(['e', 1, 'f']);
    expect(pruned.toOriginal(['b', 'd'])).toEqual(['b', 'd']);
    expect(pruned.toOriginal(['missing', 0])).toEqual(['missing', 0]);
  });

  it('keeps a __proto__ key as data', () => {
    const input = JSON.parse('{"x": {"__proto__": {"polluted": true}, "y": 1}}') as unknown;
    const pruned = pruneValue(input, [['x', 'y']]).value as { x: Record<string, unknown> };
    expect(Object.keys(pruned.x)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(pruned.x)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('an invalid node added to a schema-valid manifest adds its own error and changes nothing else', () => {
  const manifest = fc.record({
    defaults: fc.record({ aspect_ratio: fc.constantFrom('16:9', '1:1'), duration: fc.constantFrom(5, 8, 10), motion_mode: fc.constantFrom('normal', 'fast') }, { requiredKeys: ['aspect_ratio'] }),
    filename: fc.constantFrom(undefined, '{prompt}', '{prompt}_{seed}_{quality}', '{nope}'),
    matrix: fc.record({
      prompt: fc.array(fc.constantFrom('A cat', 'A {animal}', 'A {animl}', 'at {quality}', 'x'.repeat(2050)), { minLength: 1, maxLength: 3 }),
      animal: fc.array(fc.constantFrom('cat', 'fox', 'owl'), { minLength: 1, maxLength: 2 }),
      quality: fc.array(fc.constantFrom('360p', '720p', '1080p'), { minLength: 1, maxLength: 3 }),
      seed: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
    }),
  });
  const injection = fc.constantFrom('unknown key', 'bad quality', 'bad seed');
  const summary = (text: string): string[] =>
    parseManifest(text, 'p.yaml').diagnostics.map((d) => `${d.severity} ${d.path} ${d.message}`).sort();

  it('holds for generated manifests', () => {
    fc.assert(
      fc.property(manifest, injection, (m, how) => {
        const plain = JSON.parse(JSON.stringify(m)) as { matrix: { quality: unknown[]; seed: unknown[] } } & Record<string, unknown>;
        const before = summary(stringify(plain));
        expect(before.some((d) => d.startsWith('error') && /is not one of|too small|unknown key/.test(d))).toBe(false);
        let added: string;
        if (how === 'unknown key') {
          plain.zzz = 1;
          added = 'error zzz unknown key "zzz"';
        } else if (how === 'bad quality') {
          added = `error matrix.quality[${plain.matrix.quality.length}] "4k" is not one of "360p", "540p", "720p", "1080p"`;
          plain.matrix.quality.push('4k');
        } else {
          added = `error matrix.seed[${plain.matrix.seed.length}] -4 is too small; must be at least 0`;
          plain.matrix.seed.push(-4);
        }
        const after = summary(stringify(plain));
        // The schema-valid file may hand on jobs; the broken one has at least one error more and no manifest.
        expect(after).toEqual([...before, added].sort());
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
