/**
 * Where to check generations, given what the run has learned about when they end. The pace model gives the
 * distribution of `log(true time ÷ predicted time)` as samples; this module smooths them into a density and finds
 * the check times that minimise
 *
 *     E[detection delay ÷ generation time] + λ × E[checks per job]
 *
 * by dynamic programming over a grid (the classic inspection problem: checks crowd where generations are likely to
 * end and thin out in the tails, and a job that ends early in its window — whose delay weighs more against its
 * short time — gets its checks closer together). λ trades fetches for delay: a tight service gets the fewest
 * checks that reach TARGET_DELAY; a wider one up to the budget; one so wide that the budget leaves the delay above
 * DELAY_LIMIT gets more checks, up to the wide budget. **Decision:** when the delay and fetch goals cannot both
 * hold, the delay wins (it costs makespan: a video not yet seen done holds a paid slot). With the spread uniform
 * over 0.5–1.5×, no schedule of 8 checks per job gets under ~3.6 % (test/run/check-plan.test.ts shows the bound).
 */

/** Delay the plan aims at (mean share of the generation time) with the fewest checks; the goal is 3 %. */
export const TARGET_DELAY = 0.018;
/** Checks per job the plan spends at most while that keeps the delay under DELAY_LIMIT (the goal is 8) … */
export const MAX_CHECKS = 7.1;
export const DELAY_LIMIT = 0.04;
/**
 * … and then, for the fewest checks that bring it to WIDE_DELAY (under the limit: a plan made from a learned
 * spread delivers a little more delay than it expects), at most this many (a spread like 0.5–1.5×, where no
 * schedule of 8 checks buys 3 %).
 */
export const WIDE_DELAY = 0.026;
export const WIDE_CHECKS = 12;
/**
 * The first check finds at most this share of the jobs done: later would save a check on a tight service, but a
 * job found done at its first check only says it ended before it, and the pace model must tell those few from a
 * service faster than it thinks (pace-model.ts).
 */
export const FIRST_SHARE_MAX = 0.1;
/** Grid cells over the learned range. */
const CELLS = 96;
/** Share of Silverman's bandwidth: generation times have sharp edges more often than Gaussian tails. */
const BANDWIDTH_SHARE = 0.8;
/** The grid reaches this many bandwidths beyond the extreme samples. */
const TAIL_WIDTHS = 2.5;

export interface CheckPlan {
  /** Check times, ascending, as factors of the predicted time (exp of the log offsets). */
  readonly points: Float64Array;
  /** What the plan expects if the learned distribution is right: checks per job, the share done by the first, … */
  readonly checks: number;
  readonly firstShare: number;
  readonly delay: number;
}

interface Density {
  /** Cell edges as factors of the predicted time: `edges[i] < edges[i + 1]`. */
  readonly edges: Float64Array;
  /** Prefix sums over cells: W[i] = mass below edge i, A[i] = Σ mass ÷ time below edge i. */
  readonly W: Float64Array;
  readonly A: Float64Array;
}

export interface PlanBudget {
  /** Checks per job the plan spends at most while that keeps the delay under DELAY_LIMIT. */
  readonly checks: number;
  /** … and at most this many when it does not (a wide spread). */
  readonly wideChecks: number;
}

export const DEFAULT_BUDGET: PlanBudget = { checks: MAX_CHECKS, wideChecks: WIDE_CHECKS };

/** The plan for these samples (log offsets from the predicted time). */
export function planChecks(samples: readonly number[], budget: PlanBudget = DEFAULT_BUDGET): CheckPlan {
  const density = smooth(samples);
  // The plan of the smallest λ that spends at most the budget (checks fall as λ grows) …
  const within = boundary(density, (p) => p.checks <= budget.checks, LAMBDA_MIN, LAMBDA_MAX);
  const spent = within.above ?? within.below!;
  if (spent.delay <= TARGET_DELAY) {
    // … buys less delay than aimed at: the largest λ (fewest checks) that still keeps the delay under it.
    return boundary(density, (p) => p.delay > TARGET_DELAY, within.lambda, LAMBDA_MAX).below ?? spent;
  }
  if (spent.delay <= DELAY_LIMIT) return spent;
  // A spread so wide that the budget leaves the delay above the limit: more checks, up to wideChecks, for the
  // least that brings it there (a late video holds a paid slot; a check costs nothing).
  const wide = boundary(density, (p) => p.checks <= budget.wideChecks, LAMBDA_MIN, within.lambda);
  const most = wide.above ?? wide.below!;
  if (most.delay >= WIDE_DELAY) return most;
  return boundary(density, (p) => p.delay > WIDE_DELAY, wide.lambda, within.lambda).below ?? most;
}

const LAMBDA_MIN = 1e-6;
const LAMBDA_MAX = 1;
/** Bisection stops when the bracket is this narrow (a ratio): plans this close in λ are nearly the same. */
const LAMBDA_PRECISION = 1.2;

/**
 * Bisection in log λ for where `pred` (false at small λ, true at large) turns true: the plans just below and just
 * above that point (null when pred holds already at `lo`, or not even at `hi`), and the λ above it.
 */
function boundary(density: Density, pred: (p: CheckPlan) => boolean, lo: number, hi: number) {
  let below: CheckPlan | null = null;
  let above: CheckPlan | null = null;
  const atLo = optimal(density, lo);
  if (pred(atLo)) return { below, above: atLo, lambda: lo };
  below = atLo;
  const atHi = optimal(density, hi);
  if (!pred(atHi)) return { below: atHi, above, lambda: hi };
  above = atHi;
  while (hi / lo > LAMBDA_PRECISION) {
    const mid = Math.sqrt(lo * hi);
    const plan = optimal(density, mid);
    if (pred(plan)) [hi, above] = [mid, plan];
    else [lo, below] = [mid, plan];
  }
  return { below, above, lambda: hi };
}

/** Gaussian kernel density of the samples on CELLS cells, with prefix sums. */
function smooth(samples: readonly number[]): Density {
  const n = samples.length;
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const iqr = (sorted[Math.floor(0.75 * (n - 1))]! - sorted[Math.floor(0.25 * (n - 1))]!) / 1.34;
  const spread = Math.min(sd, iqr > 0 ? iqr : sd) || sd;
  const h = Math.max(0.005, BANDWIDTH_SHARE * 0.9 * spread * n ** -0.2);
  const from = sorted[0]! - TAIL_WIDTHS * h;
  const width = (sorted[n - 1]! + TAIL_WIDTHS * h - from) / CELLS;
  const mass = new Float64Array(CELLS);
  let total = 0;
  for (let c = 0; c < CELLS; c++) {
    const x = from + (c + 0.5) * width;
    let m = 0;
    for (const s of sorted) m += Math.exp(-0.5 * ((x - s) / h) ** 2);
    mass[c] = m;
    total += m;
  }
  const edges = new Float64Array(CELLS + 1);
  const W = new Float64Array(CELLS + 1);
  const A = new Float64Array(CELLS + 1);
  for (let i = 0; i <= CELLS; i++) edges[i] = Math.exp(from + i * width);
  for (let c = 0; c < CELLS; c++) {
    const w = mass[c]! / total;
    W[c + 1] = W[c]! + w;
    A[c + 1] = A[c]! + w / Math.exp(from + (c + 0.5) * width);
  }
  return { edges, W, A };
}

/**
 * The optimal plan for λ: V[i] = the least cost still to come after a check at edge i found the job running,
 * V[i] = λ × P(running at i) + min over j > i of (delay of the jobs ending in (i, j]) + V[j]; the last check is at
 * the grid's end (the tail beyond it is poll-schedule's).
 */
function optimal({ edges, W, A }: Density, lambda: number): CheckPlan {
  const V = new Float64Array(CELLS + 1);
  const next = new Int32Array(CELLS + 1).fill(CELLS);
  for (let i = CELLS - 1; i >= 0; i--) {
    let best = Infinity;
    for (let j = i + 1; j <= CELLS; j++) {
      const cost = edges[j]! * (A[j]! - A[i]!) - (W[j]! - W[i]!) + V[j]!;
      if (cost < best) {
        best = cost;
        next[i] = j;
      }
    }
    V[i] = lambda * (1 - W[i]!) + best;
  }
  let first = CELLS;
  let best = Infinity;
  for (let k = 0; k <= CELLS; k++) {
    const cost = edges[k]! * A[k]! - W[k]! + V[k]!;
    if (cost < best) {
      best = cost;
      first = k;
    }
  }
  while (first > 0 && W[first]! > FIRST_SHARE_MAX) first--;
  const at: number[] = [first];
  while (at.at(-1)! < CELLS) at.push(next[at.at(-1)!]!);
  let checks = 0;
  let delay = 0;
  let before = 0;
  at.forEach((e, n) => {
    checks += (n + 1) * (W[e]! - W[before]!);
    delay += edges[e]! * (A[e]! - A[before]!) - (W[e]! - W[before]!);
    before = e;
  });
  return { points: Float64Array.from(at, (e) => edges[e]!), checks, firstShare: W[first]!, delay };
}
