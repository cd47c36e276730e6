// What the simulator's stats say about one run (bench/run-paces.mjs): the ideal makespan, fetches per job and how
// late each finished generation was seen.

/** Real ms a generation took on the simulator. */
const genMs = (v) => Date.parse(v.finished_at) - Date.parse(v.created_at);

/**
 * @param {any} stats `/__sim/stats` after the run
 * @param {number} limit the account's concurrency
 * @param {number} [makespanMs] the run's makespan: with it, `idleMsPerJob` = the slot time per job spent neither
 *   generating nor waiting to be seen done (submit path, refill, the tail at the end)
 * @returns {{ jobs: number, idealMs: number, fetchesPerJob: number, delayShare: number, delayShareOfSums: number,
 *   seen: number, idleMsPerJob: number }} delayShare: the mean over jobs of (first "done" answer − end) ÷ generation time;
 *   delayShareOfSums: the sum of delays ÷ the sum of generation times.
 */
export function paceFigures(stats, limit, makespanMs = NaN) {
  const done = stats.videos.filter((v) => v.finished_at !== null);
  const seen = done.filter((v) => v.detected_at !== null);
  let shareSum = 0;
  let delaySum = 0;
  let genSum = 0;
  for (const v of seen) {
    const g = genMs(v);
    const d = Math.max(0, Date.parse(v.detected_at) - Date.parse(v.finished_at));
    shareSum += d / g;
    delaySum += d;
    genSum += g;
  }
  return {
    jobs: stats.videos.length,
    idealMs: done.reduce((sum, v) => sum + genMs(v), 0) / limit,
    fetchesPerJob: stats.fetches / Math.max(1, stats.videos.length),
    delayShare: seen.length ? shareSum / seen.length : NaN,
    delayShareOfSums: genSum ? delaySum / genSum : NaN,
    seen: seen.length,
    idleMsPerJob: (makespanMs * limit - genSum - delaySum) / Math.max(1, seen.length),
  };
}

/** The naive way a user scripts it: `loops` loops that each submit one job, poll it every `pollMs`, download it. */
export async function naiveLoops(url, key, requests, loops, pollMs) {
  const post = async (body) => {
    const res = await fetch(`${url}/v1/responses`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return JSON.parse(await res.text()); // ids fit in a double at 15 digits; the naive script would do the same
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const one = async (request) => {
    let submitted;
    for (;;) {
      submitted = await post(request);
      if (submitted.ErrCode === 0) break;
      await sleep(pollMs);
    }
    const id = String(submitted.Resp.video_id);
    for (;;) {
      await sleep(pollMs);
      const got = await post({ model: 'paiwo-get', input: id });
      if (got.ErrCode === 0 && got.Resp.status !== 5) {
        if (got.Resp.status === 1) await (await fetch(got.Resp.url)).arrayBuffer();
        return;
      }
    }
  };
  const queue = [...requests];
  const started = Date.now();
  await Promise.all(Array.from({ length: loops }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await one(job);
  }));
  return Date.now() - started;
}
