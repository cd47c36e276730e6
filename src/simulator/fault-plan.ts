import type { Prng } from './prng.js';
import type { FaultName, FaultOp, ResolvedFault } from './fault-spec.js';

interface EntryState {
  readonly fault: ResolvedFault;
  seen: number;
  fired: number;
  /** `outage` only: when its window opened (performance.now()), null until then. */
  openedAt: number | null;
}

/** Decides, request by request, whether a fault fires: schedule first, then the seeded rate. */
export class FaultPlan {
  private readonly byKey = new Map<string, EntryState[]>();
  /** Firings per fault name since the plan was made. */
  readonly counts: Partial<Record<FaultName, number>> = {};
  /** Requests answered by an `outage` window, per operation (a submit into an outage is what costs unknowns). */
  readonly outageRequests: Record<FaultOp, number> = { submit: 0, fetch: 0, media: 0 };

  constructor(
    readonly faults: readonly ResolvedFault[],
    private readonly prng: Prng,
  ) {
    for (const fault of faults) {
      const state: EntryState = { fault, seen: 0, fired: 0, openedAt: null };
      for (const op of fault.ops) {
        const key = `${fault.name}/${op}`;
        const list = this.byKey.get(key) ?? [];
        list.push(state);
        this.byKey.set(key, list);
      }
    }
  }

  /**
   * Whether a request of `op` falls in an `outage` window: the window opens at the first such request once
   * `accepted` (submits accepted so far) reaches its `after`, and lasts its `for`. Counted as a firing.
   */
  inOutage(op: FaultOp, accepted: number, now = performance.now()): boolean {
    for (const e of this.byKey.get(`outage/${op}`) ?? []) {
      const f = e.fault;
      if (e.openedAt === null) {
        if (f.after !== undefined && accepted < f.after) continue;
        e.openedAt = now;
      }
      if (f.for !== undefined && now >= e.openedAt + f.for) continue;
      e.fired++;
      this.counts.outage = (this.counts.outage ?? 0) + 1;
      this.outageRequests[op]++;
      return true;
    }
    return false;
  }

  /** Whether `name` fires for this eligible request of `op`; counts the request as seen either way. */
  fires(name: FaultName, op: FaultOp): boolean {
    const entries = this.byKey.get(`${name}/${op}`);
    if (entries === undefined) return false;
    for (const e of entries) {
      const n = ++e.seen;
      const f = e.fault;
      if (f.after !== undefined && n <= f.after) continue;
      if (f.first !== undefined && n > f.first) continue;
      if (f.every !== undefined && n % f.every !== 0) continue;
      if (f.max !== undefined && e.fired >= f.max) continue;
      if (f.rate <= 0) continue;
      if (f.rate < 1 && this.prng.next() >= f.rate) continue;
      e.fired++;
      this.counts[name] = (this.counts[name] ?? 0) + 1;
      return true;
    }
    return false;
  }
}
