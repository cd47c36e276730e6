import { oneLine } from '../util/printable.js';

/** An unresolved job as run and status list it: its id, status and the sentence of what to do about it. */
export interface UnresolvedEntry {
  readonly id: string;
  readonly status: string;
  readonly what_to_do: string;
}

/** How the groups are listed. */
export interface GroupListing<E extends UnresolvedEntry> {
  /** Ids shown per large group; the rest are counted. */
  readonly maxIds: number;
  /** Where to see the rest ("paiwo-batch status output/x"). */
  readonly more: string;
  /** A job of a small group, on a line of its own: its file (and id). */
  readonly label: (entry: E) => string;
}

/** A group this small lists each job with its own sentence (its video id, time or amount); larger ones, ids. */
const DETAILED_GROUP = 3;

/** Jobs that need the same thing done about them. */
export interface UnresolvedGroup {
  /** "unknown outcome (may have been charged)". */
  readonly what: string;
  /** What to do about all of them, in one sentence. */
  readonly todo: string;
  readonly ids: string[];
}

const ADOPT_OR_RESUBMIT = 'check your DMXAPI console for them, then settle each with `paiwo-batch adopt <out> <id> <video-id>` or rerun with --resubmit-unknown (pays again); `status --json` has each one\'s video id and time';

/**
 * The group of a job: jobs whose sentences (report/status.ts `whatToDo`) differ only in their own details (a
 * video id, a time, an amount) share one. Keyed by status and the sentence's opening, which says what it is.
 */
function groupOf(e: UnresolvedEntry): { what: string; todo: string } {
  const todo = oneLine(e.what_to_do);
  switch (e.status) {
    case 'unknown':
      return { what: 'unknown outcome (may have been charged)', todo: ADOPT_OR_RESUBMIT };
    case 'submitting':
      if (todo.startsWith('being submitted')) return { what: 'being submitted', todo: 'by the run in progress' };
      return { what: 'in flight when the run stopped (may have been charged)', todo: `the next run holds them as unknown: ${ADOPT_OR_RESUBMIT}` };
    case 'submitted':
      if (todo.startsWith('generating (')) return { what: 'generating', todo: 'the run in progress is polling them' };
      return { what: 'paid, not downloaded yet', todo: 'rerun the same command to poll and download them (no new charge)' };
    case 'skipped':
      if (todo.startsWith('a resubmit skipped by the budget')) {
        return { what: 'resubmits skipped by the budget (an earlier submit may have been charged)', todo: 'check your DMXAPI console, then raise max_credits (or --max-credits) and rerun with --resubmit-unknown' };
      }
      if (todo.startsWith('skipped by the budget')) return { what: 'skipped by the budget', todo: 'raise max_credits (or --max-credits) and rerun the same command' };
      return { what: 'skipped', todo };
    default:
      return { what: e.status === 'pending' ? 'not submitted' : e.status, todo: todo.replace(/^not submitted(?: yet)?: /, '') };
  }
}

/** Unresolved jobs grouped by what to do about them, largest group first (ties in order of appearance). */
export function groupUnresolved(entries: readonly UnresolvedEntry[]): UnresolvedGroup[] {
  const groups = new Map<string, UnresolvedGroup>();
  for (const e of entries) {
    const { what, todo } = groupOf(e);
    const key = `${what}\n${todo}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { what, todo, ids: [] }));
    group.ids.push(e.id);
  }
  return [...groups.values()].sort((a, b) => b.ids.length - a.ids.length);
}

/**
 * The groups as lines: "  26 unknown outcome (may have been charged) — check …:" then their ids on one
 * (wrappable) line, at most `maxIds` (the rest counted); a group of up to three jobs lists each with its own
 * sentence instead.
 */
export function formatUnresolvedGroups<E extends UnresolvedEntry>(entries: readonly E[], listing: GroupListing<E>): string[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const lines: string[] = [];
  for (const g of groupUnresolved(entries)) {
    lines.push(`  ${g.ids.length.toLocaleString('en-US')} ${g.what} — ${g.todo}:`);
    if (g.ids.length <= DETAILED_GROUP) {
      for (const id of g.ids) {
        const e = byId.get(id)!;
        lines.push(`    ${listing.label(e)}`);
        // Its own sentence when it says more than the group's (a video id, a time, an amount).
        if (!g.todo.endsWith(oneLine(e.what_to_do)) && !oneLine(e.what_to_do).endsWith(g.todo)) lines.push(`      ${oneLine(e.what_to_do)}`);
      }
      continue;
    }
    const rest = g.ids.length - listing.maxIds;
    lines.push(`    ${g.ids.slice(0, listing.maxIds).map(oneLine).join(', ')}${rest > 0 ? `, … and ${rest.toLocaleString('en-US')} more (${listing.more})` : ''}`);
  }
  return lines;
}
