/**
 * Test-only crash points for the crash-and-resume proof (bench/crash-300.mjs, test/crash): with
 * `PAIWO_CRASH_AT=<point>:<n>` in the environment, the n-th time the runner reaches `<point>` it kills itself with
 * SIGKILL, as a power cut or `kill -9` would, so a test can crash it exactly between two writes instead of
 * hoping a timer lands there. Without the variable (always, in real use) a crash point is one comparison.
 *
 * Points: `submit-intent` (the intent is on disk, the request has not left), `submit-answered` (the service
 * accepted and charged, the answer is not on disk yet), `snapshot` (the new ledger.json is written to its temp
 * file, not yet renamed), `download` (part of a video is in its `.part` file).
 */
const spec = parse(process.env.PAIWO_CRASH_AT);
let reached = 0;

function parse(text: string | undefined): { point: string; n: number } | null {
  const m = text ? /^([a-z-]+):(\d+)$/.exec(text.trim()) : null;
  return m ? { point: m[1]!, n: Number(m[2]) } : null;
}

export function crashPoint(point: string): void {
  if (spec === null || spec.point !== point) return;
  if (++reached === spec.n) process.kill(process.pid, 'SIGKILL');
}

/**
 * Test-only disk-full point (test/run/paid-not-recorded.test.ts): with `PAIWO_DISK_FULL_AT=<n>[:<k>]`, the n-th
 * write of a journal line and every output-folder write after it (journal lines, snapshots) fail with ENOSPC, as
 * a disk that fills at that moment would; with `:<k>` only k writes fail, then the disk has room again; with a
 * trailing `r` the space the journal's reserve gives up lets an answer through (diskFreed).
 * Without the variable (always, in real use) it is one comparison.
 */
const diskFull = parseDiskFull(process.env.PAIWO_DISK_FULL_AT);
let journalWrites = 0;
/** Writes let through by space the reserve gave up (`r`). */
let freed = 0;

function parseDiskFull(text: string | undefined): { at: number; left: number; reserveFrees: boolean } | null {
  const m = text ? /^(\d+)(?::(\d+))?(r?)$/.exec(text.trim()) : null;
  return m ? { at: Number(m[1]), left: m[2] === undefined ? Infinity : Number(m[2]), reserveFrees: m[3] === 'r' } : null;
}

/**
 * The journal's reserve (ledger/journal-reserve.ts) gave up some blocks. With `PAIWO_DISK_FULL_AT=<n>r` the disk
 * is full of other files, so the next write (the retried answer) fits in them; without `r`, the disk refuses
 * writes for another reason and the reserve does not help.
 */
export function diskFreed(): void {
  if (diskFull?.reserveFrees) freed++;
}

/**
 * Called before each write to the output folder; `journal` for a journal line (those are counted),
 * `journal-retry` for the same line written again after the reserve gave up space.
 */
export function diskFullPoint(write: 'journal' | 'journal-retry' | 'snapshot'): void {
  if (diskFull === null) return;
  if (write === 'journal') journalWrites++;
  if (write === 'journal-retry' && freed > 0) {
    freed--;
    return;
  }
  if (journalWrites < diskFull.at || diskFull.left <= 0) return;
  diskFull.left--;
  throw Object.assign(new Error('ENOSPC: no space left on device, write (PAIWO_DISK_FULL_AT)'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}
