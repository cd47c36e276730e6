import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/errors/manifest-error.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { FIXTURES, fixtureDiagnosticLines as lines } from './helpers.js';

describe('diagnostics point at the exact line:column, every problem of a file at once', () => {
  it('schema problems: misspelt keys with suggestions, wrong types, bad enums, missing keys, refinements; and what the rest of the file breaks', () => {
    expect(lines('several-errors.yaml')).toEqual([
      `${FIXTURES}/several-errors.yaml:2:1  modle  unknown key "modle" (did you mean "model"?)`,
      `${FIXTURES}/several-errors.yaml:4:13  defaults.duration  duration 10s is not allowed at 1080p for paiwo-v5.6-ttv (allowed: 5, 8); quality from matrix.quality[1] (4 jobs)`,
      `${FIXTURES}/several-errors.yaml:5:3  defaults.qualty  unknown key "qualty" (did you mean "quality"?)`,
      `${FIXTURES}/several-errors.yaml:6:26  defaults.generate_audio_switch  expected true or false, got "yes"`,
      `${FIXTURES}/several-errors.yaml:9:7  matrix.prompt[0]  unknown variable {animl} in the prompt (did you mean "animal"?); write {{ and }} for literal braces`,
      `${FIXTURES}/several-errors.yaml:10:13  matrix.prompt[1].id  a prompt id may only use letters, digits, ".", "_" and "-", start with a letter or digit, and be at most 64 characters`,
      `${FIXTURES}/several-errors.yaml:11:11  matrix.animal  warning: no prompt or negative prompt uses {animal}, so jobs that differ only in it send the same request (they run once)`,
      `${FIXTURES}/several-errors.yaml:12:26  matrix.aspect_ratio[1]  "2:1" is not one of "16:9", "9:16", "4:3", "3:4", "1:1", "21:9" (did you mean "1:1"?)`,
      `${FIXTURES}/several-errors.yaml:14:9  matrix.seed.count  "count" is required`,
      `${FIXTURES}/several-errors.yaml:14:20  matrix.seed.cnt  unknown key "cnt" (did you mean "count"?)`,
      `${FIXTURES}/several-errors.yaml:16:16  run.concurrency  0 is too small; must be at least 1`,
      `${FIXTURES}/several-errors.yaml:17:39  run.poll.max_interval  max_interval is shorter than interval`,
    ]);
  });

  it('rule problems: each distinct one once, at the value that produced it, with the jobs it affects', () => {
    expect(lines('rules-errors.yaml')).toEqual([
      `${FIXTURES}/rules-errors.yaml:4:16  defaults.motion_mode  motion_mode "fast" does not support 8s on paiwo-v5.6-ttv; duration from matrix.duration[1] (12 jobs)`,
      `${FIXTURES}/rules-errors.yaml:8:20  matrix.duration[2]  duration 10s is not allowed at 1080p for paiwo-v5.6-ttv (allowed: 5, 8); quality from matrix.quality[2] (4 jobs)`,
      `${FIXTURES}/rules-errors.yaml:10:11  matrix.colour  warning: no prompt or negative prompt uses {colour}, so jobs that differ only in it send the same request (they run once)`,
      `${FIXTURES}/rules-errors.yaml:11:3  matrix.qualiti  "qualiti" is not a request field (did you mean "quality"?) and no prompt uses it as {qualiti}`,
    ]);
  });

  it('YAML problems: duplicate keys, several documents, tags, malformed text', () => {
    expect(lines('duplicate-keys.yaml')).toEqual([`${FIXTURES}/duplicate-keys.yaml:4:3  (file)  duplicate key "quality": a key may appear only once in a mapping`]);
    expect(lines('two-documents.yaml')).toEqual([`${FIXTURES}/two-documents.yaml:2:1  (file)  a manifest is one YAML document; this file has 2 (split them into separate files)`]);
    expect(lines('custom-tag.yaml')).toEqual([`${FIXTURES}/custom-tag.yaml:2:11  (file)  the tag !!js/function is not allowed in a manifest (plain YAML only)`]);
    const malformed = lines('malformed.yaml');
    expect(malformed.length).toBeGreaterThan(0);
    for (const l of malformed) expect(l).toMatch(/^test\/fixtures\/manifests\/malformed\.yaml:\d+:\d+ {2}\(file\) {2}\S/);
  });

  it('an alias bomb is one clear error, found without expanding it', () => {
    expect(lines('alias-bomb.yaml')).toEqual([`${FIXTURES}/alias-bomb.yaml:1:1  (file)  aliases expand to too many nodes (an "alias bomb"); at most 100 alias expansions are allowed`]);
  });

  it('a wrong type at the top or an empty file is one message', () => {
    expect(parseManifest('- a\n- b\n', 'x.yaml').diagnostics.map(formatDiagnostic)).toEqual(['x.yaml:1:1  (file)  expected a mapping (key: value), got a list']);
    expect(parseManifest('# nothing\n', 'x.yaml').diagnostics.map(formatDiagnostic)).toEqual(['x.yaml:1:1  (file)  the manifest is empty']);
  });

  it('a missing key points at its parent mapping', () => {
    const d = parseManifest('defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n  prompt:\n    - { id: x }\n', 'x.yaml').diagnostics;
    expect(d.map(formatDiagnostic)).toEqual(['x.yaml:4:7  matrix.prompt[0].text  "text" is required']);
  });

  it('caps a flood of problems and says how many more there were', () => {
    const text = `defaults: { aspect_ratio: "16:9", quality: 540p, duration: 5 }\nmatrix:\n  prompt: [a]\n  seed: [${Array.from({ length: 500 }, () => '-1').join(', ')}]\n`;
    const d = parseManifest(text, 'x.yaml').diagnostics;
    expect(d).toHaveLength(201);
    expect(d[200]!.message).toBe('… and 300 more problems not shown');
    // It keeps the file:line:column shape: it points at the first problem it hides (seed[200], line 4).
    expect(formatDiagnostic(d[200]!)).toMatch(/^x\.yaml:4:\d+  matrix\.seed\[200\]  /);
  });

  it('the path column holds no whitespace: a key with spaces is quoted and its spaces written as \\u escapes', () => {
    const text = 'defaults:\n  aspect_ratio: "16:9"\n  quality: 540p\n  duration: 5\n  "negative prompt": blurry\n  "tab\\there\\u3000wide": 1\nmatrix:\n  prompt: [a]\n';
    const d = parseManifest(text, 'x.yaml').diagnostics.map(formatDiagnostic);
    expect(d).toContain('x.yaml:5:3  defaults["negative\\u0020prompt"]  unknown key "negative prompt" (did you mean "negative_prompt"?)');
    for (const line of d) expect(line.split(/\s+/)[1]).toMatch(/^defaults\[/);
    // The quoted part reads back as the key the user wrote.
    const column = d.map((l) => l.split('  ')[1]!).find((c) => c.includes('tab'))!;
    expect(JSON.parse(column.slice('defaults['.length, -1))).toBe('tab\there\u3000wide');
  });
});
