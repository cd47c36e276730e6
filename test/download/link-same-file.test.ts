import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { linkSameFile } from '../../src/download/link-same-file.js';
import { PosterMaker } from '../../src/report/posters.js';
import { it } from '../helpers/temp-dir.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const BYTES = Buffer.from('....ftypisom a rehearsal take');

describe('a rehearsal take linked into its output folder (issue 25: on disk once)', () => {
  it('becomes the same inode when the bytes are the ones saved', async ({ tmp }) => {
    await writeFile(join(tmp, 'take.mp4'), BYTES);
    await writeFile(join(tmp, 'video.mp4'), BYTES);
    expect(await linkSameFile(join(tmp, 'take.mp4'), join(tmp, 'video.mp4'), sha(BYTES))).toBe(true);
    const [a, b] = await Promise.all([stat(join(tmp, 'take.mp4')), stat(join(tmp, 'video.mp4'))]);
    expect(b.ino).toBe(a.ino);
    expect(b.nlink).toBe(2);
    expect(await readdir(tmp)).toEqual(['take.mp4', 'video.mp4']);
  });

  it('keeps the saved copy when the take holds other bytes, or is a symbolic link', async ({ tmp }) => {
    await writeFile(join(tmp, 'other.mp4'), 'other bytes');
    await writeFile(join(tmp, 'video.mp4'), BYTES);
    const before = await stat(join(tmp, 'video.mp4'));
    expect(await linkSameFile(join(tmp, 'other.mp4'), join(tmp, 'video.mp4'), sha(BYTES))).toBe(false);
    await writeFile(join(tmp, 'same.mp4'), BYTES);
    await symlink(join(tmp, 'same.mp4'), join(tmp, 'link.mp4'));
    expect(await linkSameFile(join(tmp, 'link.mp4'), join(tmp, 'video.mp4'), sha(BYTES))).toBe(false);
    expect((await lstat(join(tmp, 'video.mp4'))).ino).toBe(before.ino);
    expect((await readdir(tmp)).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('never writes through a planted link where it makes the link', async ({ tmp }) => {
    await writeFile(join(tmp, 'take.mp4'), BYTES);
    await writeFile(join(tmp, 'video.mp4'), BYTES);
    await writeFile(join(tmp, 'victim'), 'keep me');
    await symlink(join(tmp, 'victim'), join(tmp, 'video.mp4.part'));
    expect(await linkSameFile(join(tmp, 'take.mp4'), join(tmp, 'video.mp4'), sha(BYTES))).toBe(false);
    expect(await readFile(join(tmp, 'victim'), 'utf8')).toBe('keep me');
  });

  it('a poster made with its take is linked into .posters/, replacing a planted link rather than writing through it', async ({ tmp }) => {
    await writeFile(join(tmp, 'take.jpg'), 'a poster');
    await writeFile(join(tmp, 'victim'), 'keep me');
    await mkdir(join(tmp, 'out', '.posters'), { recursive: true });
    await symlink(join(tmp, 'victim'), join(tmp, 'out', '.posters', 'job1.jpg'));
    const posters = new PosterMaker({ ffmpeg: join(tmp, 'no-ffmpeg') });
    posters.addMade(join(tmp, 'out'), { id: 'job1', file: 'v.mp4' }, join(tmp, 'take.jpg'));
    await posters.stop();
    const made = await lstat(join(tmp, 'out', '.posters', 'job1.jpg'));
    expect(made.isFile()).toBe(true);
    expect(made.ino).toBe((await stat(join(tmp, 'take.jpg'))).ino);
    expect(await readFile(join(tmp, 'victim'), 'utf8')).toBe('keep me');
  });
});
