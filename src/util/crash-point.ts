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
