// Crash and resume (issue 6): run a manifest against the simulator, SIGKILL the runner at random moments (and at
// named points through PAIWO_CRASH_AT), restart it until the run completes, then check every money and disk
// invariant from the simulator's stats and the output folder. Shared by bench/crash-300.mjs (the figures) and
// test/crash/crash-resume.test.ts (the short version), so both prove the same things.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readLedger } from '../../dist/ledger/store.js';
import { canonicalJson } from '../../dist/util/canonical-json.js';
import { runCli, seededRandom } from './cli-process.mjs';
import { checkMoneyBracket } from './money-bracket.mjs';

/** The named points of the runner where PAIWO_CRASH_AT can make it SIGKILL itself (src/util/crash-point.ts). */
export const CRASH_POINTS = ['submit-intent', 'submit-answered', 'snapshot', 'download'];

/**
 * A manifest of `jobs` distinct jobs (a multiple of 4): 2 qualities × 2 aspect ratios × seeds, so files differ in
 * size and every job has its own request body.
 */
export function crashManifest({ name = 'crash', jobs, concurrency = 4 }) {
  if (jobs % 4 !== 0) throw new RangeError('jobs must be a multiple of 4');
  return `name: ${name}
max_jobs: ${jobs}
defaults: { duration: 5, generate_audio_switch: true }
matrix:
  prompt: ["a lighthouse in a storm, waves crashing"]
  quality: ["360p", "540p"]
  aspect_ratio: ["16:9", "9:16"]
  seed: { from: 1, count: ${jobs / 4} }
run:
  concurrency: ${concurrency}
`;
}

/** Log-uniform between min and max: as many short kills (startup, first submits) as long ones (downloads). */
function killDelay(rng, minMs, maxMs) {
  return Math.round(minMs * (maxMs / minMs) ** rng());
}

/** What the output folder shows right after a kill: which phase(s) the kill interrupted. */
export async function killEvidence(outDir) {
  const phases = new Set();
  const files = await walk(outDir).catch(() => []);
  if (files.some((f) => f.endsWith('.part'))) phases.add('download');
  if (files.some((f) => /ledger\.json\.tmp-/.test(f))) phases.add('snapshot');
  let ledger = null;
  try {
    ledger = await readLedger(outDir);
  } catch {
    phases.add('startup');
  }
  if (ledger) {
    const by = ledger.totals.by_status;
    if (by.submitting > 0) phases.add('submit');
    if (phases.size === 0) phases.add(by.submitted > 0 ? 'poll' : ledger.jobs.length === 0 ? 'startup' : 'between');
  }
  return [...phases];
}

/**
 * Runs `paiwo-batch run` over and over, SIGKILLing it (at most `kills` times), until a run ends by itself with
 * nothing left to do but jobs held as `unknown` (exit 0, or 6 with only unknown jobs unresolved).
 * @param {{ manifestPath: string, outDir: string, simUrl: string, apiKey: string, timeScale: number, seed: number,
 *   kills: number, minDelayMs?: number, maxDelayMs?: number, crashPointShare?: number, maxCrashPointN?: number,
 *   crashPlan?: string[], crashPointFallbackMs?: number, extraArgs?: string[], log?: (line: string) => void,
 *   runTimeoutMs?: number, maxCleanRuns?: number }} o
 *   crashPlan: crash points (`point:n`) used for the first kills, in order, so each named point is surely hit;
 *   after it, a share `crashPointShare` of the kills picks a random point, the rest a random delay.
 */
export async function crashLoop(o) {
  const rng = seededRandom(o.seed);
  const log = o.log ?? (() => {});
  const cycles = [];
  const byPhase = {};
  let kills = 0;
  let cleanRuns = 0;
  const unknownSeen = new Set();
  const bracketProblems = [];
  let bracketChecks = 0;
  const args = ['run', o.manifestPath, '--base-url', o.simUrl, '--time-scale', String(o.timeScale), '--out', o.outDir, '--json', '--no-progress', '--log-level', 'warn', ...(o.extraArgs ?? [])];
  for (;;) {
    const env = { DMXAPI_API_KEY: o.apiKey, PAIWO_CRASH_AT: undefined };
    let killAfterMs;
    let crashAt = null;
    const planned = o.crashPlan?.[kills];
    if (kills < o.kills && planned) {
      crashAt = planned;
      env.PAIWO_CRASH_AT = crashAt;
      killAfterMs = o.crashPointFallbackMs ?? o.maxDelayMs ?? 800;
    } else if (kills < o.kills) {
      if (rng() < (o.crashPointShare ?? 0)) {
        const point = CRASH_POINTS[Math.floor(rng() * CRASH_POINTS.length)];
        crashAt = `${point}:${1 + Math.floor(rng() * (o.maxCrashPointN ?? 3))}`;
        env.PAIWO_CRASH_AT = crashAt;
        // If the point is not reached soon (nothing left to submit), a timed kill still comes.
        killAfterMs = o.crashPointFallbackMs ?? o.maxDelayMs ?? 800;
      } else {
        killAfterMs = killDelay(rng, o.minDelayMs ?? 20, o.maxDelayMs ?? 800);
      }
    }
    const r = await runCli(args, { env, killAfterMs, timeoutMs: o.runTimeoutMs ?? 300_000 });
    if (r.timedOut) throw new Error(`run hung (no exit after ${o.runTimeoutMs ?? 300_000} ms); stderr:\n${r.stderr.slice(-3000)}`);
    // After every run, killed or not: the account's net charge lies within the ledger's bracket.
    const bracket = await checkMoneyBracket({ outDirs: [o.outDir], simUrl: o.simUrl });
    bracketChecks++;
    if (bracket.problem) bracketProblems.push(`after run ${cycles.length + 1}: ${bracket.problem}`);
    if (r.signal === 'SIGKILL') {
      kills++;
      const phases = await killEvidence(o.outDir);
      for (const p of phases) byPhase[p] = (byPhase[p] ?? 0) + 1;
      const how = r.killed ? `timer ${killAfterMs} ms` : `crash point ${crashAt}`;
      cycles.push({ kind: 'kill', how, crashAt: r.killed ? null : crashAt, phases, ms: Math.round(r.ms) });
      log(`kill ${kills}: ${how}; interrupted ${phases.join('+')}`);
      continue;
    }
    let summary;
    try {
      summary = JSON.parse(r.stdout);
    } catch {
      throw new Error(`run exited ${r.code ?? r.signal} without a JSON summary; stderr:\n${r.stderr.slice(-3000)}`);
    }
    for (const u of summary.unresolved) if (u.status === 'unknown') unknownSeen.add(u.id);
    cycles.push({ kind: 'exit', code: r.code, jobs: summary.jobs, ms: Math.round(r.ms) });
    log(`run ended: exit ${r.code}; ${JSON.stringify(summary.jobs)}`);
    if (![0, 6].includes(r.code)) throw new Error(`run exited ${r.code}: ${JSON.stringify(summary.jobs)}\n${r.stderr.slice(-3000)}`);
    // Done: nothing left but jobs held as unknown (rerunning would not touch them).
    if (summary.unresolved.every((u) => u.status === 'unknown')) return { kills, cycles, byPhase, summary, unknownIds: [...unknownSeen], cleanRuns, bracketChecks, bracketProblems };
    if (++cleanRuns > (o.maxCleanRuns ?? 10)) throw new Error(`still unresolved after ${cleanRuns} uninterrupted runs: ${JSON.stringify(summary.unresolved.slice(0, 5))}`);
  }
}

/** Every file under `dir`, as paths relative to it. */
export async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() || e.isSymbolicLink()) out.push(relative(dir, join(e.parentPath ?? e.path, e.name)));
  }
  return out;
}

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

const bodyHash = (request) => createHash('sha256').update(canonicalJson(request)).digest('hex');

/**
 * Checks a finished crash run against the invariants and returns the figures. `problems` lists every
 * broken invariant (empty = all hold).
 * @param {{ outDir: string, stats: any, unknownIds: readonly string[], resubmittedIds: readonly string[],
 *   allResolved?: boolean }} o  unknownIds: jobs a run reported `unknown`; resubmittedIds: those resubmitted on
 *   request (--resubmit-unknown), the only ones allowed a second submit. allResolved: every job must be succeeded.
 */
export async function verifyCrashRun(o) {
  const problems = [];
  const fail = (m) => problems.push(m);
  const unknownIds = new Set(o.unknownIds);
  const resubmitted = new Set(o.resubmittedIds);

  // ledger.json is the whole truth after a clean exit: it parses, and the journal has been folded into it.
  const ledgerText = await readFile(join(o.outDir, 'ledger.json'), 'utf8');
  let ledger;
  try {
    ledger = JSON.parse(ledgerText);
  } catch (e) {
    fail(`ledger.json does not parse: ${e.message}`);
    return { problems };
  }
  const journal = await readFile(join(o.outDir, 'ledger.journal.jsonl'), 'utf8').catch(() => '');
  if (journal.trim() !== '') fail(`the journal still holds ${journal.trim().split('\n').length} events after a clean exit`);
  const replayed = await readLedger(o.outDir);
  if (JSON.stringify(replayed.jobs) !== JSON.stringify(ledger.jobs)) fail('ledger.json differs from snapshot + journal');

  const counts = {};
  for (const j of ledger.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
  for (const [s, n] of Object.entries(ledger.totals.by_status)) if ((counts[s] ?? 0) !== n) fail(`totals.by_status.${s} = ${n}, jobs say ${counts[s] ?? 0}`);
  if (ledger.totals.jobs !== ledger.jobs.length) fail(`totals.jobs = ${ledger.totals.jobs}, ${ledger.jobs.length} jobs`);

  const videos = new Map(o.stats.videos.map((v) => [v.id, v]));
  const videosByBody = new Map();
  for (const v of o.stats.videos) videosByBody.set(v.body_sha256, [...(videosByBody.get(v.body_sha256) ?? []), v]);
  const jobByBody = new Map(ledger.jobs.map((j) => [bodyHash(j.request), j]));
  const recordedIds = new Set(ledger.jobs.map((j) => j.video_id).filter((id) => id !== null));

  // Every job succeeded exactly once (its file is the video the simulator served) or is reported unknown.
  let lostVideos = 0;
  let ledgerCredits = 0;
  const expectedFiles = new Set();
  for (const j of ledger.jobs) {
    ledgerCredits += j.credits ?? 0;
    if (j.status === 'unknown' && !o.allResolved) {
      if (!unknownIds.has(j.id)) fail(`job ${j.id} is unknown but no run reported it`);
      continue;
    }
    if (j.status !== 'succeeded') {
      fail(`job ${j.id} ended ${j.status} (${j.error?.code ?? ''} ${j.error?.message ?? ''})`);
      if (j.video_id !== null) lostVideos++;
      continue;
    }
    const v = videos.get(j.video_id);
    if (!v) {
      fail(`job ${j.id}: video ${j.video_id} is not one the simulator created`);
      continue;
    }
    if (v.body_sha256 !== bodyHash(j.request)) fail(`job ${j.id}: video ${j.video_id} was made from another request`);
    if (j.credits !== v.credits) fail(`job ${j.id}: ledger credits ${j.credits}, simulator charged ${v.credits} for video ${v.id}`);
    expectedFiles.add(j.file);
    const path = join(o.outDir, j.file);
    const size = (await stat(path).catch(() => null))?.size;
    if (size === undefined) {
      fail(`job ${j.id}: ${j.file} is missing`);
      lostVideos++;
      continue;
    }
    const sha = await sha256File(path);
    if (size !== j.bytes || sha !== j.sha256 || sha !== v.sha256) {
      fail(`job ${j.id}: ${j.file} is ${size} bytes sha ${sha.slice(0, 12)}; ledger ${j.bytes} ${j.sha256?.slice(0, 12)}; served ${v.sha256?.slice(0, 12)}`);
      lostVideos++;
    }
  }

  // No body submitted twice, except jobs reported unknown and then resubmitted on request.
  let duplicates = 0;
  let resubmitDuplicates = 0;
  for (const [body, vs] of videosByBody) {
    if (vs.length < 2) continue;
    const job = jobByBody.get(body);
    if (job && resubmitted.has(job.id) && unknownIds.has(job.id)) resubmitDuplicates += vs.length - 1;
    else {
      duplicates += vs.length - 1;
      fail(`request of job ${job?.id ?? '(none)'} was accepted ${vs.length} times: ${vs.map((v) => v.id).join(', ')}`);
    }
  }
  if (o.stats.submits.duplicate_bodies !== duplicates + resubmitDuplicates) {
    fail(`simulator counts ${o.stats.submits.duplicate_bodies} duplicate bodies, the videos show ${duplicates + resubmitDuplicates}`);
  }

  // Paid videos nobody recorded: only allowed for jobs the runner reported as unknown (the user was told).
  let paidUnrecorded = 0;
  for (const v of o.stats.videos) {
    if (recordedIds.has(v.id)) continue;
    const job = jobByBody.get(v.body_sha256);
    if (job && unknownIds.has(job.id)) paidUnrecorded++;
    else {
      lostVideos++;
      fail(`video ${v.id} was paid for (job ${job?.id ?? 'none'}) but the ledger does not know it and no run reported it unknown`);
    }
  }
  // Every credit the simulator charged is in the ledger, or belongs to a submit reported unknown.
  const paidUnrecordedCredits = o.stats.videos.filter((v) => !recordedIds.has(v.id)).reduce((sum, v) => sum + v.credits, 0);
  if (ledgerCredits + paidUnrecordedCredits !== o.stats.credits.charged) {
    fail(`the ledger records ${ledgerCredits} credits + ${paidUnrecordedCredits} of unknown submits; the simulator charged ${o.stats.credits.charged}`);
  }

  // Nothing temporary is left behind, and no video file that no job owns.
  const files = await walk(o.outDir);
  const leftovers = files.filter((f) => f.endsWith('.part') || f.includes('.tmp-') || f.endsWith('.tmp') || f.includes('.stale-') || f.endsWith('.paiwo-batch.lock'));
  for (const f of leftovers) fail(`temporary file left behind: ${f}`);
  for (const f of files.filter((f) => f.endsWith('.mp4'))) if (!expectedFiles.has(f)) fail(`stray video file: ${f}`);

  return {
    problems,
    jobs: ledger.jobs.length,
    succeeded: counts.succeeded ?? 0,
    unknown: counts.unknown ?? 0,
    duplicates,
    resubmitDuplicates,
    lostVideos,
    paidUnrecorded,
    leftovers: leftovers.length,
    creditsCharged: o.stats.credits.charged,
    creditsRecorded: ledgerCredits,
  };
}
