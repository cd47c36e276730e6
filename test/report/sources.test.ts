import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { ensureSources } from '../../src/report/sources.js';
import { makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { pngBytes } from '../helpers/images.js';
import { it } from '../helpers/temp-dir.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A job whose ledger record names `file` as its source image with the recorded sha256 `recorded`. */
function imageJob(id: string, file: string, recorded: string) {
  return makeLedgerJob({ id, images: { image: { source: 'shot.png', file, sha256: recorded, format: 'png' } } });
}

describe("the report's copies of source images (.sources/)", () => {
  it('copies the image the ledger names, once, under its sha256', async ({ tmp }) => {
    const png = pngBytes(8, 8);
    await writeFile(join(tmp, 'shot.png'), png);
    const out = join(tmp, 'out');
    await mkdir(out);
    await ensureSources(out, [imageJob('a', join(tmp, 'shot.png'), sha(png)), imageJob('b', join(tmp, 'shot.png'), sha(png))]);
    expect(await readdir(join(out, '.sources'))).toEqual([`${sha(png)}.png`]);
    expect(await readFile(join(out, '.sources', `${sha(png)}.png`))).toEqual(png);
  });

  it('copies nothing but the bytes the ledger recorded: a tampered record naming another file copies nothing', async ({ tmp }) => {
    await writeFile(join(tmp, 'secret.txt'), 'not an image of this run');
    const out = join(tmp, 'out');
    await mkdir(out);
    await ensureSources(out, [imageJob('a', join(tmp, 'secret.txt'), sha(pngBytes(8, 8)))]);
    expect(await readdir(join(out, '.sources'))).toEqual([]);
  });

  it('never writes through a link: a .sources that is a link, or a link planted at the temporary name', async ({ tmp }) => {
    const png = pngBytes(8, 8);
    await writeFile(join(tmp, 'shot.png'), png);
    const elsewhere = join(tmp, 'elsewhere');
    await mkdir(elsewhere);
    const linked = join(tmp, 'linked');
    await mkdir(linked);
    await symlink(elsewhere, join(linked, '.sources'));
    await ensureSources(linked, [imageJob('a', join(tmp, 'shot.png'), sha(png))]);
    expect(await readdir(elsewhere)).toEqual([]);

    const out = join(tmp, 'out');
    await mkdir(join(out, '.sources'), { recursive: true });
    const victim = join(tmp, 'victim.txt');
    await writeFile(victim, 'keep me');
    await symlink(victim, join(out, '.sources', `${sha(png)}.png.${process.pid}.tmp`));
    await ensureSources(out, [imageJob('a', join(tmp, 'shot.png'), sha(png))]);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
    expect(await readFile(join(out, '.sources', `${sha(png)}.png`))).toEqual(png);
  });
});
