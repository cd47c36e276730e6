import type { Prng } from './prng.js';
import type { FaultName, FaultOp, ResolvedFault } from './fault-spec.js';

interface EntryState {
  readonly fault: ResolvedFault;
  seen: number;
  fired: number;
}

/** Decides, request by request, whether a fault fires: schedule first, then the seeded rate. */
export class FaultPlan {
  private readonly byKey = new Map<string, EntryState[]>();
  /** Firings per fault name since the plan was made. */
  readonly counts: Partial<Record<FaultName, number>> = {};

  constructor(
    readonly faults: readonly ResolvedFault[],
    private readonly prng: Prng,
  ) {
    for (const fault of faults) {
      const state: EntryState = { fault, seen: 0, fired: 0 };
      for (const op of fault.ops) {
        const key = `${fault.name}/${op}`;
        const list = this.byKey.get(key) ?? [];
        list.push(state);
        this.byKey.set(key, list);
      }
    }
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
