import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import * as api from '../src/index.js';
import { it } from './helpers/temp-dir.js';

describe('public API', () => {
  it('exports the stages by name, usable together without the CLI: load a manifest, run it, read the ledger', async ({ tmp: dir }) => {
    const sim = await api.startSimulator({ timeScale: 0.001 });
    try {
      const client = new api.ApiClient({ baseUrl: sim.url, apiKey: 'sk-test' });
      const accepted = await client.submit({ model: api.DEFAULT_MODEL, input: 'a fox', aspect_ratio: '1:1', quality: '360p', duration: 5 });
      expect(accepted.videoId).toMatch(/^\d+$/);
      expect(accepted.credits).toBe(api.estimateCredits({ quality: '360p', duration: 5 }));
      client.close();

      const manifest = join(dir, 'm.yaml');
      await writeFile(manifest, 'name: lib\ndefaults: {aspect_ratio: "1:1", quality: 360p, duration: 5}\nmatrix:\n  prompt: [a cat, a dog]\nrun: {out: out}\n');
      const set = await api.loadManifests([manifest], { cwd: dir });
      expect(set.jobs.map((j) => j.request.input).sort()).toEqual(['a cat', 'a dog']);

      const summary = await api.runBatch({ patterns: [manifest], cwd: dir, baseUrl: sim.url, apiKey: 'sk-test', timeScale: 0.001 });
      expect(summary.exit_code).toBe(0);
      expect(summary.jobs.succeeded).toBe(2);
      const ledger = await api.readLedger(join(dir, 'out'));
      expect(ledger?.jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
      expect(JSON.parse(await readFile(join(dir, 'out', 'ledger.json'), 'utf8')).jobs).toHaveLength(2);
    } finally {
      await sim.close();
    }
    expect(new api.ManifestError([]).exitCode).toBe(2);
  });
});
