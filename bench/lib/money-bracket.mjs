// The money invariant (README "Money safety"), checked from outside: what `paiwo-batch status --json` says of
// one or more output folders against what the simulator really charged and refunded (`/__sim/stats`). The
// account's net charge must lie within [spent − refunded, spent − refunded + unknown]. Shared by the fault-table
// tests, the crash test and the crash benchmark.
import { runCli } from './cli-process.mjs';

/**
 * @param {readonly { credits_spent: number, credits_refunded: number, credits_unknown: number }[]} statuses
 * @param {{ credits: { charged: number, refunded: number } }} stats
 * @returns {{ low: number, high: number, real: number, problem: string | null }}
 */
export function moneyBracket(statuses, stats) {
  let low = 0;
  let unknown = 0;
  for (const s of statuses) {
    low += s.credits_spent - s.credits_refunded;
    unknown += s.credits_unknown;
  }
  const high = low + unknown;
  const real = stats.credits.charged - stats.credits.refunded;
  const problem =
    real >= low && real <= high
      ? null
      : `the account's net charge ${real} (the simulator charged ${stats.credits.charged}, refunded ${stats.credits.refunded}) is outside the ledger's bracket [${low}, ${high}]`;
  return { low, high, real, problem };
}

/** `status --json` of each folder (a folder with no ledger yet counts as nothing spent). */
export async function statusesOf(outDirs) {
  const out = [];
  for (const dir of outDirs) {
    const r = await runCli(['status', dir, '--json'], { timeoutMs: 60_000 });
    if (r.code === 2 && /LEDGER_NOT_FOUND|no ledger\.json/.test(r.stderr)) continue;
    // status exits with what a rerun would end with (0, 4, 5, 6); only 1 (a bug) and 2 (usage) carry no report.
    if (r.code === 1 || r.code === 2 || r.code === null) throw new Error(`status ${dir} exited ${r.code}: ${r.stderr.slice(-1000)}`);
    out.push(JSON.parse(r.stdout));
  }
  return out;
}

/** Reads the simulator's stats from its URL. */
export async function simStats(simUrl) {
  const res = await fetch(`${simUrl}/__sim/stats`);
  if (!res.ok) throw new Error(`/__sim/stats answered ${res.status}`);
  return res.json();
}

/**
 * The whole check: `status --json` of the folders against the simulator's stats (given, or read from `simUrl`).
 * @param {{ outDirs: readonly string[], stats?: any, simUrl?: string }} o
 */
export async function checkMoneyBracket(o) {
  const statuses = await statusesOf(o.outDirs);
  const stats = o.stats ?? (await simStats(o.simUrl));
  return moneyBracket(statuses, stats);
}
