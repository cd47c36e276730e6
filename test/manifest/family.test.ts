import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { formatDiagnostic } from '../../src/errors/manifest-error.js';
import { scanManifests } from '../../src/manifest/load-manifests.js';
import { FAMILY_MANIFEST, writeFamilyImages } from '../helpers/family.js';
import { gifBytes, jpegBytes, pngBytes } from '../helpers/images.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

describe('the paiwo family from one manifest', () => {
  it('validates the issue example and plans 17 jobs: model as an axis, a glob, include entries of every mode', async () => {
    await writeFamilyImages(dir);
    await writeFile(path.join(dir, 'family.yaml'), FAMILY_MANIFEST);
    const scan = await scanManifests(['family.yaml'], { cwd: dir });
    expect(scan.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(scan.jobs).toHaveLength(17);
    const byModel = (m: string): number => scan.jobs.filter((j) => j.request.model === m).length;
    expect([byModel('paiwo-v5.6-ttv'), byModel('paiwo-v5.6-itv'), byModel('PixVerse-V6'), byModel('paiwo-v5.6-itv2'), byModel('PixVerse-C1')]).toEqual([2, 6, 7, 1, 1]);
    // An image job sends no aspect_ratio; its images are checked and hashed.
    const itv = scan.jobs.filter((j) => j.request.model === 'paiwo-v5.6-itv');
    expect(itv.every((j) => j.request.aspect_ratio === undefined && j.images?.image?.sha256?.length === 64)).toBe(true);
    expect(itv.map((j) => j.images!.image!.source).sort()).toEqual(['images/four-three.webp', 'images/four-three.webp', 'images/tall.jpg', 'images/tall.jpg', 'images/wide.png', 'images/wide.png']);
    const itv2 = scan.jobs.find((j) => j.request.model === 'paiwo-v5.6-itv2')!;
    expect(itv2.images!.first_frame!.sha256).toBe(itv.find((j) => j.images!.image!.source === 'images/wide.png')!.images!.image!.sha256);
    // Prices: v5.6 image jobs as text jobs, V6 and C1 per second.
    const v6Boat = scan.jobs.find((j) => j.request.aspect_ratio === '21:9')!;
    expect(v6Boat.estimatedCredits).toBe(7 * 3);
    expect(scan.jobs.find((j) => j.request.model === 'PixVerse-C1')!.estimatedCredits).toBe(8 * 7);
    expect(itv[0]!.estimatedCredits).toBe(35);
    expect(scan.jobs.filter((j) => j.request.model === 'PixVerse-V6' && j.images).every((j) => j.estimatedCredits === 25)).toBe(true);
    // Every take writes its own file.
    expect(new Set(scan.jobs.map((j) => j.file)).size).toBe(17);
  });

  it('names the files of a folder of image jobs without an aspect ratio they do not have', async () => {
    await mkdir(path.join(dir, 'shots'));
    await writeFile(path.join(dir, 'shots', 'a.png'), pngBytes(64, 48));
    await writeFile(path.join(dir, 'shots', 'b.jpg'), jpegBytes(64, 48));
    const manifest = 'name: shots\nmodel: PixVerse-C1\ndefaults: { quality: 720p, duration: 5, prompt: "slow orbit" }\nmatrix:\n  image: ["shots/*"]\n  seed: [1, 2]\n';
    await writeFile(path.join(dir, 'shots.yaml'), manifest);
    const scan = await scanManifests(['shots.yaml'], { cwd: dir });
    expect(scan.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(scan.jobs.map((j) => j.file).sort()).toEqual(['slow-orbit_a_720p_5s_seed1.mp4', 'slow-orbit_a_720p_5s_seed2.mp4', 'slow-orbit_b_720p_5s_seed1.mp4', 'slow-orbit_b_720p_5s_seed2.mp4']);
  });

  it("reports the issue's five problems at their lines, every one at once", async () => {
    await mkdir(path.join(dir, 'images'));
    await writeFile(path.join(dir, 'images/fake.png'), gifBytes());
    await writeFile(path.join(dir, 'images/huge.png'), pngBytes(5000, 10));
    await writeFile(path.join(dir, 'images/ok.png'), pngBytes(32, 32));
    const text = [
      'defaults: { quality: 540p, duration: 5 }', // 1
      'matrix:', // 2
      '  # each include entry adds a job of its own (its prompt is new)', // 3
      '  include:', // 4
      '    - { prompt: fox, model: PixVerse-V6, image: images/fake.png }', // 5
      '    - { prompt: owl, model: paiwo-v5.6-itv, image: images/huge.png }', // 6
      '    - { prompt: elk, model: paiwo-v5.6-itv, image: images/ok.png, aspect_ratio: "16:9" }', // 7
      '    - { prompt: cat, model: PixVerse-C1, aspect_ratio: "1:1", motion_mode: fast }', // 8
      '    - { prompt: ant, model: PixVerse-V6, aspect_ratio: "16:9", duration: 16 }', // 9
      '',
    ].join('\n');
    await writeFile(path.join(dir, 'bad.yaml'), text);
    const scan = await scanManifests(['bad.yaml'], { cwd: dir });
    const errors = scan.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.line)).toEqual([5, 6, 7, 8, 9]);
    expect(errors[0]!.message).toMatch(/GIF, not PNG, JPEG or WebP/);
    expect(errors[1]!.message).toMatch(/5000×10 px; its longest side may be at most 4000/);
    expect(errors[2]!.message).toMatch(/aspect_ratio cannot be set on an image job/);
    expect(errors[3]!.message).toMatch(/PixVerse-C1 accepts motion_mode "normal" only/);
    expect(errors[4]!.path).toBe('matrix.include[4].duration');
    expect(scan.jobs).toEqual([]);
  });

  it('refuses an image on a model that takes none unless excluded, a missing file, an empty glob, over 20 MB and http URLs', async () => {
    await mkdir(path.join(dir, 'images'));
    await writeFile(path.join(dir, 'images/a.png'), pngBytes(8, 8));
    await writeFile(path.join(dir, 'images/big.jpg'), Buffer.concat([jpegBytes(10, 10), Buffer.alloc(21 * 1024 * 1024)]));
    const text = [
      'defaults: { quality: 540p, duration: 5 }',
      'matrix:',
      '  prompt: [a fox]',
      '  model: [paiwo-v5.6-ttv, paiwo-v5.6-itv]',
      '  image: [images/a.png, images/missing.png, "images/*.gif", images/big.jpg, "http://example.com/x.png"]',
      '',
    ].join('\n');
    await writeFile(path.join(dir, 'm.yaml'), text);
    const messages = (await scanManifests(['m.yaml'], { cwd: dir })).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path} ${d.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^matrix\.model\[0\] paiwo-v5\.6-ttv takes no image \(it runs text-to-video/),
        expect.stringMatching(/^matrix\.image\[1\] no such image file "images\/missing\.png"/),
        expect.stringMatching(/^matrix\.image\[2\] no file matches "images\/\*\.gif"/),
        expect.stringMatching(/^matrix\.image\[3\] "images\/big\.jpg" is 21\.0 MB; an image may be at most 20 MB/),
        expect.stringMatching(/^matrix\.image\[4\] an image URL must be https:\/\//),
      ]),
    );
    // Excluding the ttv × image combinations leaves only the valid ones.
    await writeFile(path.join(dir, 'ok.yaml'), 'defaults: { quality: 540p, duration: 5 }\nmatrix:\n  prompt: [a fox]\n  model: [paiwo-v5.6-ttv, paiwo-v5.6-itv]\n  image: [images/a.png, "https://example.com/x.png"]\n  exclude: [{ model: paiwo-v5.6-ttv }]\n');
    const ok = await scanManifests(['ok.yaml'], { cwd: dir });
    expect(ok.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ok.jobs.map((j) => j.images!.image!.source)).toEqual(['images/a.png', 'https://example.com/x.png']);
  });

  it("covers an image's bytes, not its path: a rename keeps the id, new content changes it", async () => {
    await mkdir(path.join(dir, 'images'));
    await writeFile(path.join(dir, 'images/a.png'), pngBytes(8, 8));
    await writeFile(path.join(dir, 'images/b.png'), pngBytes(8, 8));
    await writeFile(path.join(dir, 'images/c.png'), pngBytes(8, 8, 7));
    const idOf = async (file: string): Promise<string> => {
      await writeFile(path.join(dir, 'm.yaml'), `model: PixVerse-C1\ndefaults: { quality: 540p, duration: 5, image: ${file} }\nmatrix:\n  prompt: [a fox]\n`);
      const scan = await scanManifests(['m.yaml'], { cwd: dir });
      expect(scan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      return scan.jobs[0]!.id;
    };
    const a = await idOf('images/a.png');
    expect(await idOf('images/b.png')).toBe(a);
    expect(await idOf('images/c.png')).not.toBe(a);
  });
});
