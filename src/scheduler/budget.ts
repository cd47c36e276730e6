/**
 * The `max_credits` budget of one output folder. Spent = what the ledger says was charged, net of refunds,
 * across every run in this folder, plus the estimate of every job whose submit outcome is unknown (it may have
 * been charged). A submit is allowed only if spent + the estimates of submits still on the wire + its own
 * estimate fit.
 */
export class Budget {
  private inFlight = 0;

  constructor(
    readonly maxCredits: number | undefined,
    private spent: number,
  ) {}

  get spentCredits(): number {
    return this.spent;
  }

  /** Reserves `estimate` for a submit about to leave; `false` = it does not fit. */
  tryReserve(estimate: number): boolean {
    if (this.maxCredits !== undefined && this.spent + this.inFlight + estimate > this.maxCredits) return false;
    this.inFlight += estimate;
    return true;
  }

  /** The submit was answered (or given up): the reservation becomes the real charge (0 when not charged). */
  settle(estimate: number, charged: number): void {
    this.inFlight -= estimate;
    this.spent += charged;
  }

  refund(credits: number): void {
    this.spent -= credits;
  }

  /** What a skipped job is told: how far the budget is from fitting it now. */
  describe(estimate: number): string {
    const need = this.spent + this.inFlight + estimate - (this.maxCredits ?? 0);
    return `needs ${estimate} credits; ${this.spent} spent and ${this.inFlight} in flight of max_credits ${this.maxCredits} (${need} short)`;
  }
}
