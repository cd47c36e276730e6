import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalRequestJson } from '../../src/manifest/canonical-request-json.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { expandSeeds, mulberry32 } from '../../src/manifest/seeds.js';
import { errorsOf, parse, valid, warningsOf } from './helpers.js';

const CAT_SWEEP = readFileSync(new URL('../../manifests/cat-sweep.yaml', import.meta.url), 'utf8');

describe('the issue example (manifests/cat-sweep.yaml)', () => {
  const m = parseManifest(CAT_SWEEP, 'manifests/cat-sweep.yaml').manifest!;

  it('expands to 2 prompts × 2 animals × 2 ratios × 2 qualities × 3 seeds, minus 9:16/720p, plus the include', () => {
    expect(m.name).toBe('cat-sweep');
    expect(m.jobs).toHaveLength(2 * 2 * 2 * 2 * 3 - 2 * 2 * 3 + 1);
    expect(m.jobs.filter((j) => j.request.aspect_ratio === '9:16' && j.request.quality === '720p')).toEqual([]);
  });

  it('builds the exact request body: defaults, templates, model, no unset fields', () => {
    expect(m.jobs[0]!.request).toEqual({
      model: 'paiwo-v5.6-ttv',
      input: '一只小猫在草地上玩耍',
      aspect_ratio: '16:9',
      quality: '540p',
      duration: 5,
      negative_prompt: 'no people',
      generate_audio_switch: true,
      seed: 1,
    });
    expect(Object.keys(m.jobs[0]!.request)).toEqual(['model', 'input', 'aspect_ratio', 'quality', 'duration', 'negative_prompt', 'generate_audio_switch', 'seed']);
  });

  it("lets a prompt's own negative_prompt beat defaults", () => {
    const snow = m.jobs.filter((j) => j.axes.prompt === 'snow');
    expect(snow.length).toBeGreaterThan(0);
    expect(new Set(snow.map((j) => j.request.negative_prompt))).toEqual(new Set(['people']));
    expect(snow.find((j) => j.axes.animal === 'fox')!.request.input).toBe('A fox running through snow');
  });

  it('turns the include that overwrites quality into one new job with its own duration and seed', () => {
    const extra = m.jobs.filter((j) => j.request.quality === '1080p');
    expect(extra).toHaveLength(1);
    expect(extra[0]!.request).toMatchObject({ input: 'A fox running through snow', aspect_ratio: '16:9', duration: 8, seed: 7, negative_prompt: 'people' });
    expect(extra[0]!.estimatedCredits).toBe(195);
    expect(extra[0]!.file).toBe('snow_fox_16x9_1080p_8s_seed7.mp4');
  });

  it('records the matrix coordinates in axis order, the prompt by its id', () => {
    expect(m.jobs[0]!.axes).toEqual({ prompt: '一只-animal-在草地上玩耍', animal: '小猫', aspect_ratio: '16:9', quality: '540p', seed: 1 });
    expect(Object.keys(m.jobs[0]!.axes)).toEqual(['prompt', 'animal', 'aspect_ratio', 'quality', 'seed']);
  });

  it('names files by prompt id, variables, ratio, quality, duration and seed', () => {
    expect(m.jobs[0]!.file).toBe('一只-animal-在草地上玩耍_小猫_16x9_540p_5s_seed1.mp4');
    expect(new Set(m.jobs.map((j) => j.file)).size).toBe(m.jobs.length);
  });

  it('prices every job from the table', () => {
    const total = m.jobs.reduce((s, j) => s + j.estimatedCredits, 0);
    // 540p/5s/audio = 80 (24 jobs), 720p/5s/audio = 90 (12 jobs), 1080p/8s/audio = 195 (1 job)
    expect(total).toBe(24 * 80 + 12 * 90 + 195);
  });
});

describe('job identity', () => {
  it('is the first 16 hex of sha256(canonical request JSON + "\\n" + repeat index)', () => {
    const job = valid(`
      matrix:
        prompt: ["A cat"]
      defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }
    `).jobs[0]!;
    const canonical = '{"aspect_ratio":"16:9","duration":5,"input":"A cat","model":"paiwo-v5.6-ttv","quality":"540p"}';
    expect(canonicalJson(job.request)).toBe(canonical);
    expect(job.id).toBe(createHash('sha256').update(`${canonical}\n0`).digest('hex').slice(0, 16));
  });

  it('does not depend on key order, file name or manifest name', () => {
    const a = valid(`
      name: one
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9", seed: 3 }
      matrix: { prompt: ["A cat", "A dog"] }
    `);
    const b = parse(
      `
      name: two
      matrix: { prompt: ["A dog", "A cat"] }
      defaults: { seed: 3, aspect_ratio: "16:9", duration: 5, quality: 540p }
      filename: "{id}"
    `,
      {},
      'elsewhere.yaml',
    ).manifest!;
    expect(new Set(a.jobs.map((j) => j.id))).toEqual(new Set(b.jobs.map((j) => j.id)));
  });

  it('gives repeat copies distinct ids and _r1.._rN file names', () => {
    const m = valid(`
      repeat: 3
      defaults: { prompt: "A cat", quality: 540p, duration: 5, aspect_ratio: "1:1" }
    `);
    expect(m.jobs.map((j) => j.repeatIndex)).toEqual([0, 1, 2]);
    expect(new Set(m.jobs.map((j) => j.id)).size).toBe(3);
    expect(new Set(m.jobs.map((j) => JSON.stringify(j.request))).size).toBe(1);
    expect(m.jobs.map((j) => j.file)).toEqual(['a-cat_1x1_540p_5s_seedauto_r1.mp4', 'a-cat_1x1_540p_5s_seedauto_r2.mp4', 'a-cat_1x1_540p_5s_seedauto_r3.mp4']);
  });

  it('the fast canonical form equals the general one', () => {
    const request = { model: 'm', input: 'x"\\y', aspect_ratio: '16:9', quality: '540p', duration: 5, motion_mode: 'fast', negative_prompt: 'n', generate_audio_switch: false, seed: 0 } as const;
    expect(canonicalRequestJson(request)).toBe(canonicalJson(request));
    expect(canonicalRequestJson({ ...request, extra: 1 } as never)).toBe(canonicalJson({ ...request, extra: 1 }));
  });
});

describe('seeds', () => {
  const base = 'defaults: { prompt: "A cat", quality: 540p, duration: 5, aspect_ratio: "16:9" }';
  it('{from, count} gives consecutive seeds', () => {
    const m = valid(`${base}\nmatrix:\n  seed: { from: 100, count: 4 }`);
    expect(m.jobs.map((j) => j.request.seed)).toEqual([100, 101, 102, 103]);
  });

  it('{random, base} gives N distinct seeds in 1..2147483647, the same every time, different per base', () => {
    const a = valid(`${base}\nmatrix:\n  seed: { random: 8, base: 42 }`).jobs.map((j) => j.request.seed!);
    const again = valid(`${base}\nmatrix:\n  seed: { random: 8, base: 42 }`).jobs.map((j) => j.request.seed!);
    const other = valid(`${base}\nmatrix:\n  seed: { random: 8, base: 43 }`).jobs.map((j) => j.request.seed!);
    expect(a).toEqual(again);
    expect(a).not.toEqual(other);
    expect(new Set(a).size).toBe(8);
    for (const s of a) expect(s >= 1 && s <= 2147483647).toBe(true);
    expect(a).toEqual(expandSeeds({ random: 8, base: 42 }));
  });

  it('mulberry32 matches its reference output', () => {
    // The first outputs of Tommy Ettinger's reference C implementation with state 0.
    const g = mulberry32(0);
    expect([g(), g(), g()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('leaves seed out of the request when none is given, and warns about seed 0', () => {
    expect(valid(base).jobs[0]!.request).not.toHaveProperty('seed');
    const w = warningsOf(`${base}\nmatrix:\n  seed: [0, 5]`);
    expect(w).toEqual([expect.objectContaining({ path: 'matrix.seed[0]', message: expect.stringContaining('not reproducible') })]);
  });

  it('refuses a range past the largest seed', () => {
    expect(errorsOf(`${base}\nmatrix:\n  seed: { from: 2147483640, count: 100 }`)[0]).toMatchObject({ path: 'matrix.seed.count' });
  });
});

describe('templates', () => {
  it('fills {variables} in prompts and negative prompts, and {{ }} writes braces', () => {
    const m = valid(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9", negative_prompt: "no {animal}s" }
      matrix:
        prompt: ["A {animal} in {{braces}} at {quality}"]
        animal: [cat]
    `);
    expect(m.jobs[0]!.request.input).toBe('A cat in {braces} at 540p');
    expect(m.jobs[0]!.request.negative_prompt).toBe('no cats');
  });

  it('leaves braces that are not {identifier} alone', () => {
    const m = valid(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt: ["json { \\"a\\": 1 } and {not closed"]
    `);
    expect(m.jobs[0]!.request.input).toBe('json { "a": 1 } and {not closed');
  });

  it('an unknown variable is an error at the template, with a suggestion', () => {
    const errors = errorsOf(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt: ["A {animl}"]
        animal: [cat]
    `);
    expect(errors).toEqual([expect.objectContaining({ line: 3, column: 12, path: 'matrix.prompt[0]', message: expect.stringContaining('unknown variable {animl} in the prompt (did you mean "animal"?)') })]);
  });

  it('a variable only an include entry sets is missing for the other combinations', () => {
    const errors = errorsOf(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt: ["A {colour} cat"]
        seed: [1, 2]
        include:
          - { seed: 1, colour: red }
    `);
    expect(errors).toEqual([expect.objectContaining({ path: 'matrix.prompt[0]', message: '{colour} has no value for these jobs (1 job)' })]);
  });
});

describe('defaults, prompts and the matrix', () => {
  it('a manifest without a matrix is one job from defaults', () => {
    const m = valid(`
      defaults: { prompt: "A cat", quality: 720p, duration: 8, aspect_ratio: "4:3", motion_mode: normal }
    `);
    expect(m.jobs.map((j) => j.request)).toEqual([{ model: 'paiwo-v5.6-ttv', input: 'A cat', aspect_ratio: '4:3', quality: '720p', duration: 8, motion_mode: 'normal' }]);
    expect(m.name).toBe('test');
  });

  it('a required request field missing everywhere is one error with the job count', () => {
    const errors = errorsOf(`
      defaults: { quality: 540p }
      matrix: { prompt: ["A", "B"] }
    `);
    expect(errors.map((e) => e.message).sort()).toEqual(['aspect_ratio is not set; set it in defaults or as a matrix axis (2 jobs)', 'duration is not set; set it in defaults or as a matrix axis (2 jobs)']);
  });

  it('prompt objects carry their own request fields; the matrix beats them', () => {
    const m = valid(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt:
          - { id: wide, text: "Wide", duration: 10, aspect_ratio: "1:1" }
        aspect_ratio: ["9:16"]
    `);
    expect(m.jobs[0]!.request).toMatchObject({ duration: 10, aspect_ratio: '9:16' });
  });

  it('include and exclude name prompts by id or by text; include can add a new prompt', () => {
    const m = valid(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt: ["A cat", { id: dog, text: "A dog" }]
        seed: [1, 2]
        exclude:
          - { prompt: "A cat", seed: 2 }
          - { prompt: dog, seed: 1 }
        include:
          - { prompt: "A bird", seed: 9 }
    `);
    expect(m.jobs.map((j) => [j.request.input, j.request.seed])).toEqual([
      ['A cat', 1],
      ['A dog', 2],
      ['A bird', 9],
    ]);
  });

  it('an exclude naming no prompt is an error with a suggestion', () => {
    const errors = errorsOf(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt: [{ id: kitten, text: "A cat" }]
        exclude: [{ prompt: kiten }]
    `);
    expect(errors[0]).toMatchObject({ path: 'matrix.exclude[0].prompt', message: expect.stringContaining('did you mean "kitten"') });
  });

  it('refuses empty matrices, empty axes and a matrix that excludes everything', () => {
    const d = 'defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }\n';
    expect(errorsOf(`${d}matrix: {}`)[0]!.message).toContain('the matrix is empty');
    expect(errorsOf(`${d}matrix: { prompt: [] }`)[0]).toMatchObject({ path: 'matrix.prompt', message: 'the list is empty; give at least one value' });
    expect(errorsOf(`${d}matrix: { prompt: [a], exclude: [{ prompt: a }] }`)[0]!.message).toContain('every combination is excluded');
    expect(errorsOf(`${d}matrix: { prompt: [a], animal: [] }`)[0]).toMatchObject({ path: 'matrix.animal' });
  });

  it('duplicate prompt ids are an error; the same prompt twice is a warning and runs once', () => {
    const d = 'defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }\n';
    expect(errorsOf(`${d}matrix:\n  prompt: [{ id: a, text: x }, { id: a, text: y }]`)[0]).toMatchObject({ path: 'matrix.prompt[1].id', message: expect.stringContaining('duplicate prompt id "a"') });
    expect(errorsOf(`${d}matrix:\n  prompt: ["A cat!", "a cat"]`)[0]!.message).toContain('give one of them an explicit id');
    const r = parse(`${d}matrix:\n  prompt: ["A cat", "A cat"]`);
    expect(r.manifest!.jobs).toHaveLength(1);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', path: 'matrix.prompt[1]' })]);
  });

  it('merges combinations that make the same request, with a warning', () => {
    const r = parse(`
      defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }
      matrix:
        prompt: ["A cat"]
        seed: [1, 1, 2]
    `);
    expect(r.manifest!.jobs.map((j) => j.request.seed)).toEqual([1, 2]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', path: 'matrix', message: expect.stringContaining('1 combination repeats a job') })]);
  });

  it('a matrix key that looks like a misspelt request field is an error; an unused variable a warning', () => {
    const d = 'defaults: { quality: 540p, duration: 5, aspect_ratio: "16:9" }\n';
    expect(errorsOf(`${d}matrix:\n  prompt: [a]\n  qualty: [720p]`)[0]).toMatchObject({ path: 'matrix.qualty', line: 4, column: 3, message: expect.stringContaining('did you mean "quality"') });
    expect(warningsOf(`${d}matrix:\n  prompt: [a]\n  mood: [calm]`)[0]).toMatchObject({ path: 'matrix.mood', message: expect.stringContaining('no prompt or negative prompt uses {mood}') });
    // model is an axis like any request field (issue 23): an unknown one is refused by name.
    expect(errorsOf(`${d}matrix:\n  prompt: [a]\n  model: [x]`)[0]!.message).toContain('"x" is not one of "paiwo-v5.6-ttv"');
  });

  it('maps the run block to milliseconds with the schema defaults', () => {
    const m = valid(`
      defaults: { prompt: a, quality: 540p, duration: 5, aspect_ratio: "16:9" }
      run: { requests_per_second: 2.5, max_credits: 0, poll: { initial_delay: 1.5 }, out: videos }
    `);
    expect(m.run).toEqual({
      concurrency: 4,
      requestsPerSecond: 2.5,
      maxCredits: 0,
      poll: { initialDelayMs: 1500, intervalMs: 5000, maxIntervalMs: 15000 },
      jobTimeoutMs: 1_800_000,
      retries: 5,
      out: 'videos',
      outageWaitMs: 1_800_000,
      failureBreaker: { minFinished: 10, window: 20, rate: 0.8 },
    });
    expect(m.maxJobs).toBe(1000);
    const tuned = valid(`
      defaults: { prompt: a, quality: 540p, duration: 5, aspect_ratio: "16:9" }
      run: { outage_wait: 90, failure_breaker: { enabled: false } }
    `);
    expect(tuned.run).toMatchObject({ outageWaitMs: 90_000, failureBreaker: null });
  });
});

describe('the capability table, per job but reported once', () => {
  it('reports 1080p × 10 s once, at the value that caused it, with the number of jobs', () => {
    const r = parse(`
      defaults: { prompt: a, aspect_ratio: "16:9", duration: 10 }
      matrix:
        quality: [540p, 1080p]
        seed: { from: 1, count: 100 }
    `);
    expect(r.manifest).toBeUndefined();
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', line: 1, column: 56, path: 'defaults.duration', message: expect.stringMatching(/^duration 10s is not allowed at 1080p .*quality from matrix.quality\[1\] \(100 jobs\)$/) }),
    ]);
  });

  it('"fast" at 8 s is an error on v5.6; what only the provider docs say is a warning (v5.5)', () => {
    const text = (model: string): string => `model: ${model}\ndefaults: { prompt: a, aspect_ratio: "16:9", quality: 540p, duration: 8, motion_mode: fast }`;
    expect(errorsOf(text('paiwo-v5.6-ttv'))[0]).toMatchObject({ path: 'defaults.motion_mode' });
    const r = parse(text('paiwo-v5.5-ttv'));
    expect(r.manifest).toBeDefined();
    expect(r.diagnostics.map((d) => [d.severity, d.path])).toEqual([
      ['warning', 'model'],
      ['warning', 'defaults.motion_mode'],
    ]);
  });

  it('v5 accepts neither the audio switch nor motion_mode', () => {
    const errors = errorsOf('model: paiwo-v5-ttv\ndefaults: { prompt: a, aspect_ratio: "16:9", quality: 540p, duration: 5, generate_audio_switch: true, motion_mode: normal }');
    expect(errors.map((e) => e.path).sort()).toEqual(['defaults.generate_audio_switch', 'defaults.motion_mode']);
  });

  it('an unknown model is one error with a suggestion', () => {
    expect(errorsOf('model: paiwo-v5.6-tv\ndefaults: { prompt: a, aspect_ratio: "16:9", quality: 540p, duration: 5 }')).toEqual([
      expect.objectContaining({ path: 'model', line: 1, column: 8, message: expect.stringContaining('(did you mean "paiwo-v5.6-ttv"?)') }),
    ]);
  });

  it('counts the 2048-character limit after templates, in characters', () => {
    const ok = valid(`defaults: { prompt: "${'猫'.repeat(2048)}", aspect_ratio: "16:9", quality: 540p, duration: 5 }`);
    expect(ok.jobs).toHaveLength(1);
    const errors = errorsOf(`
      defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }
      matrix:
        prompt: ["${'a'.repeat(2040)}{x}"]
        x: [short, much longer]
    `);
    expect(errors).toEqual([expect.objectContaining({ path: 'matrix.prompt[0]', message: 'prompt is 2051 characters; at most 2048 (1 job)' })]);
  });
});

describe('the job-count guard', () => {
  const sweep = 'defaults: { prompt: a, aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n  seed: { from: 1, count: 1500 }';
  it('refuses more jobs than max_jobs (default 1000), naming the number', () => {
    expect(errorsOf(sweep)).toEqual([expect.objectContaining({ path: 'max_jobs', message: expect.stringContaining('plans 1,500 jobs, more than max_jobs (1000)') })]);
    expect(valid(`max_jobs: 1500\n${sweep}`).jobs).toHaveLength(1500);
    expect(errorsOf(`max_jobs: 1500\n${sweep}`, { maxJobs: 10 })[0]!.message).toContain('max_jobs (10)');
    expect(valid(sweep, { maxJobs: 2000 }).jobs).toHaveLength(1500);
  });

  it('refuses a huge matrix before building it', () => {
    // Were it built, this would not finish (or fit in memory): the test's own timeout is the hang guard.
    const errors = errorsOf('defaults: { prompt: a, aspect_ratio: "16:9", quality: 540p, duration: 5 }\nrepeat: 1000\nmatrix:\n  seed: { from: 1, count: 2000000000 }');
    expect(errors).toEqual([expect.objectContaining({ path: 'matrix', message: expect.stringContaining('2,000,000,000 combinations × repeat 1000') })]);
  });
});
