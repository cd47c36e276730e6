import { priceClassOf } from '../model/prices.js';
import type { SubmitRequest } from '../model/capabilities.js';
import { attemptsOf, budgetSpentOf, knownChargeOf } from '../ledger/money.js';
import type { LedgerJob } from '../ledger/types.js';

/** A submit's hold on the budget, from before it leaves until its answer (or the lack of one) is known. */
export interface Reservation {
  readonly priceClass: string;
  readonly estimate: number;
  /** What was held: the estimate scaled by the highest charge ÷ estimate seen (never below the estimate). */
  readonly amount: number;
  /** The first submit of a price class not seen charged yet: the others of that class wait for its answer. */
  readonly probe: boolean;
}

/**
 * The `max_credits` budget of one output folder (docs/run-and-money.md "Budget"). Spent starts at the top of the ledger's
 * bracket (ledger/money.ts: known charges net of refunds, plus the estimate of every charge not known) and
 * follows this run's answers. A submit is allowed only if spent + what submits on the wire hold + its own hold
 * fit. It is never passed by more than what the service charged above the holds of submits already on the wire
 * when an overcharge became known, because:
 * - holds are calibrated: estimate × the highest charge ÷ estimate seen for its price class (quality, duration,
 *   audio), or across every class for a class not charged yet — from the ledger's earlier runs and this run;
 * - with a budget, the first submit of a class not charged yet goes alone (its class waits for its answer);
 * - a refund counts at most its charge; an answer that accepts a priced job for 0 (or no) credits counts as the
 *   hold (the ledger records what the service said).
 */
export class Budget {
  private inFlight = 0;
  private spent: number;
  private readonly ratioByClass = new Map<string, number>();
  private globalRatio = 1;
  /** Classes with an answered submit (calibrated, even when the answer said no usable charge). */
  private readonly seen = new Set<string>();
  private readonly probes = new Map<string, Promise<void>>();
  private readonly probeDone = new Map<string, () => void>();

  constructor(
    readonly maxCredits: number | undefined,
    jobs: readonly LedgerJob[] = [],
  ) {
    this.spent = budgetSpentOf(jobs);
    for (const job of jobs) {
      for (const a of attemptsOf(job)) {
        if (a.outcome !== 'accepted') continue;
        const cls = priceClassOf(job.request);
        this.seen.add(cls);
        this.learn(cls, knownChargeOf(a), a.estimated_credits);
      }
    }
  }

  get spentCredits(): number {
    return this.spent;
  }

  /**
   * Holds credits for a submit about to leave; `null` = it does not fit. With a budget, waits while the first
   * submit of its price class is on the wire.
   */
  async reserve(request: SubmitRequest, estimate: number): Promise<Reservation | null> {
    const priceClass = priceClassOf(request);
    if (this.maxCredits !== undefined) {
      for (let p = this.probes.get(priceClass); p; p = this.probes.get(priceClass)) await p;
    }
    const amount = this.holdFor(priceClass, estimate);
    if (this.maxCredits !== undefined && this.spent + this.inFlight + amount > this.maxCredits) return null;
    this.inFlight += amount;
    const probe = this.maxCredits !== undefined && !this.seen.has(priceClass);
    if (probe) this.probes.set(priceClass, new Promise<void>((resolve) => this.probeDone.set(priceClass, resolve)));
    return { priceClass, estimate, amount, probe };
  }

  /**
   * The submit's outcome: `accepted` with what the service said it charged; `unknown` (may be charged: counts
   * as the hold); `refused` (not charged).
   */
  settle(r: Reservation, outcome: { readonly kind: 'accepted'; readonly credits: number } | { readonly kind: 'unknown' | 'refused' }): void {
    this.inFlight -= r.amount;
    if (outcome.kind === 'accepted') {
      this.seen.add(r.priceClass);
      const known = outcome.credits <= 0 && r.estimate > 0 ? null : outcome.credits;
      this.learn(r.priceClass, known, r.estimate);
      this.spent += known ?? r.amount;
    } else if (outcome.kind === 'unknown') this.spent += r.amount;
    if (r.probe) {
      this.probes.delete(r.priceClass);
      this.probeDone.get(r.priceClass)?.();
      this.probeDone.delete(r.priceClass);
    }
  }

  /** A refund, already capped at its charge by the caller (ledger/money.ts `refundCapOf`). */
  refund(credits: number): void {
    this.spent -= Math.max(0, credits);
  }

  /** What a skipped job is told: how far the budget is from fitting it now. */
  describe(request: SubmitRequest, estimate: number): string {
    const hold = this.holdFor(priceClassOf(request), estimate);
    const need = this.spent + this.inFlight + hold - (this.maxCredits ?? 0);
    const held = hold === estimate ? `needs ${estimate} credits` : `needs ${hold} credits (estimated ${estimate}; the service charged more than the table for its class)`;
    return `${held}; ${this.spent} spent and ${this.inFlight} in flight of max_credits ${this.maxCredits} (${need} short)`;
  }

  private holdFor(priceClass: string, estimate: number): number {
    const ratio = this.ratioByClass.get(priceClass) ?? this.globalRatio;
    return Math.max(estimate, Math.ceil(estimate * ratio));
  }

  private learn(priceClass: string, charge: number | null, estimate: number): void {
    if (charge === null || estimate <= 0) return;
    const ratio = charge / estimate;
    this.ratioByClass.set(priceClass, Math.max(ratio, this.ratioByClass.get(priceClass) ?? 0));
    this.globalRatio = Math.max(this.globalRatio, ratio);
  }
}
