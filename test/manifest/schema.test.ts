import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderManifestJsonSchema } from '../../src/manifest/manifest-json-schema.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { EXAMPLE_MANIFESTS, trackedManifests } from '../helpers/example-manifests.js';

const ROOT = new URL('../../', import.meta.url);

describe('schemas/manifest.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing the schema)', () => {
    const committed = readFileSync(new URL('schemas/manifest.schema.json', ROOT), 'utf8');
    expect(committed).toBe(renderManifestJsonSchema());
  });

  it('carries the defaults and descriptions written once in the zod schema', () => {
    const schema = JSON.parse(renderManifestJsonSchema());
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.run.properties.concurrency).toMatchObject({ default: 4, minimum: 1, type: 'integer' });
    expect(schema.properties.run.properties.poll.properties.interval.default).toBe(5);
    expect(schema.properties.max_jobs.default).toBe(1000);
    expect(schema.properties.defaults.properties.quality.enum).toEqual(['360p', '540p', '720p', '1080p']);
    expect(schema.properties.matrix.additionalProperties.type).toBe('array');
    expect(schema.required ?? []).toEqual([]);
  });
});

describe('the example manifests in manifests/', () => {
  // The tracked examples only: a user's own manifests/bad.yaml must not fail the suite.
  const files = [...EXAMPLE_MANIFESTS];

  it('include cat-sweep and demo', () => {
    expect(files).toEqual(expect.arrayContaining(['cat-sweep.yaml', 'demo.yaml']));
  });

  it('are the manifests git tracks there (the list the tests read is kept true)', (context) => {
    const tracked = trackedManifests();
    if (tracked === null) return context.skip();
    expect(tracked).toEqual([...EXAMPLE_MANIFESTS].sort());
  });

  it.each(files)('%s names the schema for editors and is valid without warnings', (file) => {
    const text = readFileSync(new URL(`manifests/${file}`, ROOT), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/manifest.schema.json');
    const { manifest, diagnostics } = parseManifest(text, `manifests/${file}`);
    expect(diagnostics).toEqual([]);
    expect(manifest!.jobs.length).toBeGreaterThan(0);
  });

  it('demo.yaml is the small real batch: 2 prompts × 2 ratios × 2 seeds at 540p, 5 s, with sound', () => {
    const { manifest } = parseManifest(readFileSync(new URL('manifests/demo.yaml', ROOT), 'utf8'), 'manifests/demo.yaml');
    expect(manifest!.name).toBe('demo');
    expect(manifest!.jobs).toHaveLength(8);
    for (const j of manifest!.jobs) expect(j.request).toMatchObject({ quality: '540p', duration: 5, generate_audio_switch: true });
    expect(manifest!.run.concurrency).toBe(4);
  });
});
