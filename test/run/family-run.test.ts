import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promoteCommand } from '../../src/commands/promote.js';
import { scanManifests } from '../../src/manifest/load-manifests.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { runBuffered } from '../helpers/buffered-io.js';
import { FAMILY_MANIFEST, writeFamilyImages } from '../helpers/family.js';
import { gifBytes, pngBytes } from '../helpers/images.js';
import { eachTestInProject, readLedgerFile, runInProcess, TS } from './run-helpers.js';

let dir: string;
let sim: Simulator;
eachTestInProject((d) => (dir = d), () => sim);

describe('a family sweep runs end to end (issue 23)', () => {
  it('the issue example: 17 jobs succeed, each image is uploaded once per family across two runs, the rerun sends nothing', async () => {
    sim = await startSimulator({ timeScale: TS });
    await writeFamilyImages(dir);
    await writeFile(join(dir, 'family.yaml'), FAMILY_MANIFEST);
    const first = await runInProcess(dir, ['family.yaml'], { baseUrl: sim.url, json: true });
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.jobs.succeeded).toBe(17);
    const stats = sim.stats();
    // wide.png, tall.jpg, four-three.webp for itv, again for V6; start.png is wide.png's bytes: one upload.
    expect(stats.uploads['paiwo-picture']).toBe(3);
    expect(stats.uploads['pixverse-picture']).toBe(3);
    expect(Object.values(stats.uploads.by_source).every((n) => n === 1)).toBe(true);
    expect(stats.submits.accepted).toBe(17);
    // The money bracket: what the ledger says was spent is what the service charged.
    expect(summary.credits_spent).toBe(stats.credits.charged);
    const ledger = await readLedgerFile(dir, 'output/family');
    const itv2 = ledger.jobs.find((j) => j.request.model === 'paiwo-v5.6-itv2')!;
    const wideItv = ledger.jobs.find((j) => j.request.model === 'paiwo-v5.6-itv' && j.images?.image?.source === 'images/wide.png')!;
    expect(itv2.uploads!.first_frame!.img_id).toBe(wideItv.uploads!.image!.img_id);
    const sent = stats.videos.map((v) => v.request as Record<string, unknown>);
    expect(sent.filter((b) => b.img_id !== undefined)).toHaveLength(12);
    expect(sent.filter((b) => b.img_id !== undefined && b.aspect_ratio !== undefined)).toEqual([]);

    // The report shows each take's source image(s), copied beside the videos once per distinct image.
    const report = await readFile(join(dir, 'output/family/report.html'), 'utf8');
    const wideCopy = `.sources/${wideItv.images!.image!.sha256}.png`;
    expect(report).toContain(`"${wideCopy}"`);
    expect(report).toContain('"first_frame","frames/start.png"');
    expect((await readFile(join(dir, 'output/family', wideCopy))).equals(await readFile(join(dir, 'images/wide.png')))).toBe(true);
    expect((await readdir(join(dir, 'output/family/.sources'))).sort()).toHaveLength(3);

    // promote keeps each take's model and images, across models, in one manifest (written in another folder).
    const v6Tall = ledger.jobs.find((j) => j.request.model === 'PixVerse-V6' && j.images?.image?.source === 'images/tall.jpg')!;
    const promoted = await runBuffered((io) => promoteCommand('output/family', { ids: [itv2.id, v6Tall.id], quality: '540p', output: 'promo/p.yaml', cwd: dir }, io));
    expect(promoted.code, promoted.stderr).toBe(0);
    const text = await readFile(join(dir, 'promo/p.yaml'), 'utf8');
    expect(text).toContain('first_frame: "../frames/start.png"');
    expect(text).toContain('image: "../images/tall.jpg"');
    const plan = await scanManifests(['promo/p.yaml'], { cwd: dir });
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan.jobs.map((j) => [j.request.model, j.request.quality, j.promotedFrom])).toEqual([['paiwo-v5.6-itv2', '540p', itv2.id], ['PixVerse-V6', '540p', v6Tall.id]]);
    expect(plan.jobs[1]!.images!.image!.sha256).toBe(v6Tall.images!.image!.sha256);

    const again = await runInProcess(dir, ['family.yaml'], { baseUrl: sim.url, json: true });
    expect(again.code, again.stderr).toBe(0);
    const after = sim.stats();
    expect(after.submits.accepted).toBe(17);
    expect(after.uploads['paiwo-picture'] + after.uploads['pixverse-picture']).toBe(6);
    expect(after.requests - stats.requests).toBeLessThanOrEqual(1); // at most the stats call itself
  });

  it('reuses the ledger\'s uploads in a later run, renames run nothing again, and an unknown image id is uploaded again once', async () => {
    sim = await startSimulator({ timeScale: TS });
    await writeFile(join(dir, 'a.png'), pngBytes(8, 8, 1));
    await writeFile(join(dir, 'b.png'), pngBytes(8, 8, 2));
    const manifest = (files: string[]): string => `name: t\nmodel: PixVerse-C1\ndefaults: { quality: 360p, duration: 2 }\nmatrix:\n  prompt: [a fox]\n  image: ${JSON.stringify(files)}\n`;
    await writeFile(join(dir, 'm.yaml'), manifest(['a.png']));
    expect((await runInProcess(dir, ['m.yaml'], { baseUrl: sim.url })).code).toBe(0);
    expect(sim.stats().uploads['pixverse-picture']).toBe(1);
    // A rename is the same job: nothing runs.
    await rename(join(dir, 'a.png'), join(dir, 'renamed.png'));
    await writeFile(join(dir, 'm.yaml'), manifest(['renamed.png', 'b.png']));
    const accepted = sim.stats().submits.accepted;
    // A restarted service has forgotten the ledger's ids: the new job's image is new, so uploaded; no re-use of a.png needed.
    expect((await runInProcess(dir, ['m.yaml'], { baseUrl: sim.url })).code).toBe(0);
    expect(sim.stats().submits.accepted).toBe(accepted + 1);
    expect(sim.stats().uploads['pixverse-picture']).toBe(2);

    // A new simulator knows none of the ledger's image ids: the submit is refused (400032), the image uploaded again once.
    const port = Number(new URL(sim.url).port);
    await sim.close();
    sim = await startSimulator({ timeScale: TS, port });
    await writeFile(join(dir, 'c.png'), pngBytes(8, 8, 3));
    await writeFile(join(dir, 'm.yaml'), `name: t\nmodel: PixVerse-C1\ndefaults: { quality: 360p, duration: 2 }\nmatrix:\n  prompt: [a fox, an owl]\n  image: [renamed.png]\n`);
    const r = await runInProcess(dir, ['m.yaml'], { baseUrl: sim.url, json: true });
    expect(r.code, r.stderr).toBe(0);
    const stats = sim.stats();
    expect(stats.submits.rejected).toBe(1);
    expect(stats.submits.accepted).toBe(1);
    expect(stats.uploads['pixverse-picture']).toBe(1);
    // One new paid video (C1 360p 2 s silent: 6 credits a second); the ledger's spend is the three videos of the three runs.
    expect(stats.credits.charged).toBe(12);
    expect(JSON.parse(r.stdout).credits_spent).toBe(36);
  });

  it('a failed upload fails only the jobs that need that image, with the service\'s reason, and is not tried again', async () => {
    sim = await startSimulator({ timeScale: TS, submitModerationWords: ['forbidden'] });
    await writeFile(join(dir, 'ok.png'), pngBytes(8, 8));
    await writeFile(join(dir, 'm.yaml'), `name: t\nmodel: paiwo-v5.6-itv\ndefaults: { quality: 360p, duration: 5 }\nmatrix:\n  prompt: [a fox, an owl]\n  image: [ok.png, "https://example.com/forbidden.png"]\n`);
    const r = await runInProcess(dir, ['m.yaml'], { baseUrl: sim.url, json: true });
    expect(r.code).not.toBe(0);
    const ledger = await readLedgerFile(dir);
    const byImage = (source: string) => ledger.jobs.filter((j) => j.images?.image?.source === source);
    expect(byImage('ok.png').map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
    expect(byImage('https://example.com/forbidden.png').map((j) => [j.status, j.error?.code])).toEqual([['moderated', 'ERR_500054'], ['moderated', 'ERR_500054']]);
    const stats = sim.stats();
    expect(stats.uploads.attempts).toBe(2); // ok.png once, the refused URL once for both of its jobs
    expect(stats.submits.accepted).toBe(2);
  });

  it('an upload that meets a gateway outage waits for the service instead of failing its jobs (uploads are free calls)', async () => {
    // The gateway is down from the first request (an upload) for longer than an upload's own retries.
    sim = await startSimulator({ timeScale: TS, faults: 'outage@after=0&for=3s' });
    await writeFile(join(dir, 'a.png'), pngBytes(8, 8, 40));
    await writeFile(join(dir, 'b.png'), pngBytes(8, 8, 200));
    await writeFile(join(dir, 'm.yaml'), `name: t\nmodel: paiwo-v5.6-itv\ndefaults: { quality: 360p, duration: 5 }\nmatrix:\n  prompt: [a fox]\n  image: [a.png, b.png]\nrun: { concurrency: 1, retries: 1 }\n`);
    const r = await runInProcess(dir, ['m.yaml'], { baseUrl: sim.url, json: true });
    const ledger = await readLedgerFile(dir);
    expect(ledger.jobs.map((j) => [j.images?.image?.source, j.status])).toEqual([['a.png', 'succeeded'], ['b.png', 'succeeded']]);
    expect(r.code).toBe(0);
    expect(sim.stats().uploads.attempts).toBeGreaterThanOrEqual(2);
  });

  it("run refuses the issue's bad manifest (a GIF named .png, 5,000 px, aspect_ratio on an image job, C1 fast, V6 16 s) and sends nothing", async () => {
    sim = await startSimulator({ timeScale: TS });
    await mkdir(join(dir, 'images'));
    await writeFile(join(dir, 'images/fake.png'), gifBytes());
    await writeFile(join(dir, 'images/huge.png'), pngBytes(5000, 10));
    await writeFile(join(dir, 'images/ok.png'), pngBytes(32, 32));
    const text = [
      'name: t',
      'defaults: { quality: 540p, duration: 5 }',
      'matrix:',
      '  include:',
      '    - { prompt: fox, model: PixVerse-V6, image: images/fake.png }',
      '    - { prompt: owl, model: paiwo-v5.6-itv, image: images/huge.png }',
      '    - { prompt: elk, model: paiwo-v5.6-itv, image: images/ok.png, aspect_ratio: "16:9" }',
      '    - { prompt: cat, model: PixVerse-C1, aspect_ratio: "1:1", motion_mode: fast }',
      '    - { prompt: ant, model: PixVerse-V6, aspect_ratio: "16:9", duration: 16 }',
      '',
    ].join('\n');
    await writeFile(join(dir, 'bad.yaml'), text);
    const r = await runInProcess(dir, ['bad.yaml'], { baseUrl: sim.url });
    expect(r.code).toBe(2);
    expect(r.stderr.match(/^bad\.yaml:(\d+):/gm)).toEqual(['bad.yaml:5:', 'bad.yaml:6:', 'bad.yaml:7:', 'bad.yaml:8:', 'bad.yaml:9:']);
    expect(sim.stats().requests).toBe(0);
  });
});
