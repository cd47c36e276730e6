import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { readLedger } from '../../src/ledger/store.js';
import type { Ledger } from '../../src/ledger/types.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { dataJson, markupOf, readPageData } from './report-page.js';

const KEY = 'sk-report-secret-0123456789';

const MANIFEST = `name: hostile
defaults: { quality: 360p, duration: 5, aspect_ratio: "16:9" }
matrix:
  prompt:
    - { id: evil, text: "<script>window.__pwned=1</script> \\"double\\" 'single' </script><!--" }
    - { id: calm, text: "a calm lake at dawn" }
  seed: [1, 2]
`;

// A service that answers with non-http(s) media URLs (file:///etc/passwd, a redirect to one) and hostile prompts
// from the manifest: whatever the runner makes of it, the report it writes links nothing but its own files.
describe('the report of a run against a hostile service', () => {
  let sim: Simulator;
  let dir: string;
  let page: string;
  let ledger: Ledger;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 0.005, apiKey: KEY, faults: 'bad-url:1@first=2,redirect-scheme:1@first=1' });
    dir = await makeTempDir('report-hostile');
    await writeFile(join(dir, 'm.yaml'), MANIFEST);
    const run = await runCli(['run', 'm.yaml', '--base-url', sim.url, '--time-scale', '0.005', '--out', 'out', '--log-level', 'warn', '--job-timeout', '20'], {
      cwd: dir,
      env: { CI: 'true', DMXAPI_API_KEY: KEY },
    });
    if (run.code !== 0) expect([5, 6]).toContain(run.code);
    ledger = await readLedger(join(dir, 'out'));
    page = await readFile(join(dir, 'out/report.html'), 'utf8');
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await removeTempDir(dir);
  });

  it('has one take per job and the service did hand out bad URLs', () => {
    expect(readPageData(page).takes).toHaveLength(ledger.jobs.length);
    expect(ledger.jobs).toHaveLength(4);
    expect((sim.stats().faults['bad-url'] ?? 0) + (sim.stats().faults['redirect-scheme'] ?? 0)).toBeGreaterThan(0);
  });

  it('points src and href only at files inside its folder', () => {
    // The markup has no src or href but the constant inline icon; the page's script takes them only from the data's src and poster fields.
    const icon = /<link rel="icon" href="data:image\/svg\+xml,[\w%.()-]*">/;
    expect(markupOf(page)).toMatch(icon);
    expect(markupOf(page).replace(icon, '')).not.toMatch(/\s(src|href)=/);
    const { takes } = readPageData(page);
    for (const t of takes) {
      if (t.src !== null) expect(t.src).toMatch(/^[\w%.()-]+\.mp4$/);
      if (t.poster !== null) expect(t.poster).toMatch(/^\.posters\/[\w-]+\.jpg$/);
    }
    expect(takes.some((t) => t.src !== null)).toBe(true);
  });

  it('shows the hostile prompt as text and runs none of it', () => {
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(markupOf(page)).not.toContain('window.__pwned');
    expect(dataJson(page)).not.toContain('<');
    const prompts = readPageData(page).takes.map((t) => t.request.input);
    expect(prompts).toContain(`<script>window.__pwned=1</script> "double" 'single' </script><!--`);
  });

  it('never contains the API key', () => {
    expect(page).not.toContain(KEY);
  });
});
