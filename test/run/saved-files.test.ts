import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fileSizes, removeLeftoverParts } from '../../src/scheduler/saved-files.js';
import { it } from '../helpers/temp-dir.js';

describe('saved files on a rerun', () => {
  it('reads every size (null when missing) and removes only the .part leftovers of the given files', async ({ tmp: dir }) => {
    await mkdir(join(dir, 'sub'));
    const paths = Array.from({ length: 70 }, (_, i) => join(dir, i % 2 ? 'sub' : '', `v${i}.mp4`));
    await Promise.all(paths.slice(0, 60).map((p, i) => writeFile(p, Buffer.alloc(i))));
    await writeFile(`${paths[0]}.part`, 'x');
    await writeFile(`${paths[1]}.part`, 'x');
    await writeFile(join(dir, 'other.mp4.part'), 'x'); // not one of ours: kept
    const sizes = await fileSizes(paths);
    expect(paths.map((p) => sizes.get(p))).toEqual([...Array.from({ length: 60 }, (_, i) => i), ...Array(10).fill(null)]);
    await removeLeftoverParts([paths[0]!, paths[1]!, join(dir, 'missing-folder', 'x.mp4')]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toEqual(['other.mp4.part']);
    expect((await readdir(join(dir, 'sub'))).filter((n) => n.endsWith('.part'))).toEqual([]);
  });
});
