import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports the stages by name, usable together without the CLI', async () => {
    const sim = await api.startSimulator({ timeScale: 0.001 });
    try {
      const client = new api.ApiClient({ baseUrl: sim.url, apiKey: 'sk-test' });
      const accepted = await client.submit({ model: api.DEFAULT_MODEL, input: 'a fox', aspect_ratio: '1:1', quality: '360p', duration: 5 });
      expect(accepted.videoId).toMatch(/^\d+$/);
      expect(accepted.credits).toBe(api.estimateCredits({ quality: '360p', duration: 5 }));
      client.close();
    } finally {
      await sim.close();
    }
    expect(typeof api.loadManifests).toBe('function');
    expect(typeof api.runBatch).toBe('function');
    expect(new api.ManifestError([]).exitCode).toBe(2);
  });
});
