import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';

/**
 * Makes `dest`, a file just saved and verified as `sha256`, a hard link to `source` when `source` is a regular
 * file with exactly those bytes: the same video is then on disk once (a rehearsal's video and the simulator's
 * cached take). The link is made at `<dest>.part` — which fails if anything is there, planted links included, so
 * nothing is ever written through one — and checked there (a regular file, the same bytes) before it is renamed
 * over `dest`; a crash leaves only a `.part` that the next run removes. Returns whether `dest` is now the link;
 * on any failure (another file system, no such file, other bytes) `dest` stays the copy it was.
 */
export async function linkSameFile(source: string, dest: string, sha256: string): Promise<boolean> {
  const temp = `${dest}.part`;
  try {
    await link(source, temp);
  } catch {
    return false;
  }
  try {
    const info = await lstat(temp);
    if (!info.isFile() || (await sha256Of(temp)) !== sha256) throw new Error('not the same file');
    await rename(temp, dest);
    return true;
  } catch {
    await unlink(temp).catch(() => undefined);
    return false;
  }
}

/** sha256 of a regular file, never read through a symbolic link. */
async function sha256Of(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}
