/**
 * Fault specs: which failure modes the simulator injects, how often and when.
 *
 * Grammar (CLI `--faults`, the `faults` option, `POST /__sim/faults {"spec": ...}`):
 *
 *   spec     = entry *( "," entry )                 e.g. "429:0.1,504-after-charge:0.02@after=10"
 *   entry    = name [ "/" op *( "+" op ) ] [ ":" rate ] [ "@" schedule ]
 *   op       = "submit" | "fetch" | "media"         default: the fault's natural operations (FAULTS below)
 *   rate     = probability 0..1 per eligible request (default 1)
 *   schedule = part *( "&" part )
 *   part     = "after=" N    only eligible requests after the first N (the N+1th onwards)
 *            | "first=" N    only the first N eligible requests
 *            | "every=" N    only every Nth eligible request (the Nth, 2Nth, ...)
 *            | "max=" N      fire at most N times in all
 *            | "for=" D      `outage` only: the window lasts D (seconds, or "<n>ms"; real time, not scaled)
 *
 * `outage` is a window, not a per-request draw: it opens at the first request of its operations once the
 * simulator has accepted `after` submits (at once without `after`), and for `for` (forever without it) every
 * request of its operations is answered the way a gateway fails (HTTP 502, an HTML page), nothing created or
 * charged. Rate, first, every and max do not apply to it.
 * "Eligible" counts, per entry, the requests of its operations that reach the point where the fault applies
 * (e.g. `504-after-charge` counts accepted submits only). The rate is drawn from the seeded fault stream only
 * when the schedule allows, so the same seed and the same request order replay the same decisions.
 */
import { UserError } from '../errors/paiwo-error.js';

export type FaultOp = 'submit' | 'fetch' | 'media';
const OPS: readonly FaultOp[] = ['submit', 'fetch', 'media'];

interface FaultInfo {
  /** Operations the fault can apply to. */
  readonly ops: readonly FaultOp[];
  /** Operations it applies to when the entry names none. */
  readonly defaultOps: readonly FaultOp[];
  /** What the simulator does (the fault table of docs/simulator.md). */
  readonly does: string;
}

export const FAULTS = {
  '401': { ops: ['submit', 'fetch'], defaultOps: ['submit', 'fetch'], does: 'HTTP 401 gateway body (invalid token), as if the key were refused' },
  '403': { ops: ['submit', 'fetch'], defaultOps: ['submit', 'fetch'], does: 'HTTP 403 gateway body (key group disabled / quota too low)' },
  '503-model-not-found': { ops: ['submit', 'fetch'], defaultOps: ['submit', 'fetch'], does: 'HTTP 503 gateway body with code model_not_found' },
  '429': { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'HTTP 429 RateLimitReached with Retry-After (seconds, option retryAfterSeconds, default 1)' },
  '429-no-retry-after': { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'HTTP 429 RateLimitReached without Retry-After' },
  'html-500': { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'HTTP 500 with an nginx HTML page; nothing created (the client cannot know that: a submit is `unknown`)' },
  'html-502': { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'HTTP 502 with an nginx HTML page; nothing created' },
  '500069': { ops: ['submit', 'fetch'], defaultOps: ['submit'], does: 'business error 500069 (system under high load); nothing created' },
  '99999': { ops: ['submit', 'fetch'], defaultOps: ['submit'], does: 'business error 99999 (unknown error); nothing created' },
  '500044': { ops: ['submit'], defaultOps: ['submit'], does: 'business error 500044 (concurrent limit) even below the limit; nothing created' },
  '500090': { ops: ['submit'], defaultOps: ['submit'], does: 'business error 500090 (insufficient balance) whatever the balance; nothing created' },
  '504-after-charge': { ops: ['submit'], defaultOps: ['submit'], does: 'the submit is accepted, charged and generates, but the client gets HTTP 504 HTML (the ambiguous case)' },
  '500-after-charge': { ops: ['submit'], defaultOps: ['submit'], does: 'the submit is accepted, charged and generates, but the client gets an HTTP 500 JSON gateway error (a 500 may come after the charge too)' },
  'reset-before': { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'destroys the socket before reading the request body; nothing created' },
  'reset-after': { ops: ['submit', 'fetch'], defaultOps: ['submit', 'fetch'], does: 'reads the request, acts on it (a submit is accepted and charged), then destroys the socket without answering' },
  stall: { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'never answers (a submit is accepted and charged first); media: sends the headers and half the body, then stalls' },
  overcharge: { ops: ['submit'], defaultOps: ['submit'], does: 'the submit is accepted and charged 2 × the price table; Resp.credits says so (a gateway whose prices rose)' },
  'zero-charge': { ops: ['submit'], defaultOps: ['submit'], does: 'the submit is charged the price table, but Resp.credits (and the fetch\'s credits) say 0' },
  'refund-above-charge': { ops: ['submit'], defaultOps: ['submit'], does: 'the accepted generation ends moderated (status 7); its fetch reports a refund of 1000000 credits, the account gets its charge back' },
  'fail-generation': { ops: ['submit'], defaultOps: ['submit'], does: 'the accepted generation ends with status 8 (no refund)' },
  'slow-generation': { ops: ['submit'], defaultOps: ['submit'], does: 'the accepted generation takes 5 × its time' },
  'stuck-generation': { ops: ['submit'], defaultOps: ['submit'], does: 'the accepted generation stays in status 5 forever; its concurrency slot is released after 10 min (scaled)' },
  'unknown-status': { ops: ['fetch'], defaultOps: ['fetch'], does: 'the fetch answers an undocumented status (2, 3 or 9, in turn) instead of the real one' },
  'bad-url': { ops: ['fetch'], defaultOps: ['fetch'], does: 'a fetch of a finished video (status 1) returns a url that is not http(s) (file:///etc/passwd)' },
  'huge-json': { ops: ['fetch'], defaultOps: ['fetch'], does: 'the fetch answers HTTP 200 with a 100 MB JSON body, streamed (chunked, no Content-Length)' },
  'truncate-media': { ops: ['media'], defaultOps: ['media'], does: 'sends the full Content-Length header and half the bytes, then destroys the socket' },
  'expire-media': { ops: ['media'], defaultOps: ['media'], does: 'a media URL older than mediaTtlMs is refused with 403; the next fetch returns a fresh URL' },
  'oversize-media': { ops: ['media'], defaultOps: ['media'], does: 'serves oversizeMediaBytes (default 256 MiB, a padded valid MP4, streamed) whatever the reported dimensions' },
  'lying-length': { ops: ['media'], defaultOps: ['media'], does: 'declares a Content-Length 1 MiB larger than the bytes it sends, then closes the connection' },
  'redirect-scheme': { ops: ['media'], defaultOps: ['media'], does: 'answers 302 with Location: file:///etc/passwd' },
  // A hostile world (issue 11): a trickling CDN, encoded URLs, "done" without a url, a key put in the media URL.
  'slow-media': { ops: ['media'], defaultOps: ['media'], does: 'sends the headers, then one byte every second (scaled) and never more: only a minimum-throughput deadline ends it' },
  'encoded-url': { ops: ['media'], defaultOps: ['media'], does: 'a media path with %2F-encoded slashes answers 404 NoSuchKey; the same path decoded is served (contract B.9)' },
  'done-no-url': { ops: ['fetch'], defaultOps: ['fetch'], does: 'a finished video is answered with status 1 but an empty url and outputWidth 0 (not done yet, contract B.9)' },
  'key-in-url': { ops: ['fetch'], defaultOps: ['fetch'], does: 'the media url carries the caller\'s Authorization header in its path and query (a badly written gateway)' },
  // Outages and systematic failures (issue 21).
  outage: { ops: ['submit', 'fetch', 'media'], defaultOps: ['submit', 'fetch'], does: 'a gateway outage: from the first request after `after` accepted submits, for `for` (real time), every request is answered HTTP 502 with an nginx HTML page; nothing created, nothing charged' },
  'fail-every-job': { ops: ['submit'], defaultOps: ['submit'], does: 'a service failing every job: every accepted (and charged) generation ends with status 8, no refund (`fail-generation` at rate 1)' },
} as const satisfies Record<string, FaultInfo>;

export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

/** One entry of a fault spec, as written (string entries parse into this). */
export interface FaultSpec {
  readonly name: FaultName;
  /** @default the fault's natural operations */
  readonly ops?: readonly FaultOp[];
  /** Probability per eligible request. @default 1 */
  readonly rate?: number;
  /** Only eligible requests after the first `after`. */
  readonly after?: number;
  /** Only the first `first` eligible requests. */
  readonly first?: number;
  /** Only every `every`th eligible request. */
  readonly every?: number;
  /** At most `max` firings. */
  readonly max?: number;
  /** `outage` only: how long the window lasts, in real ms. @default forever */
  readonly for?: number;
}

export interface ResolvedFault extends FaultSpec {
  readonly ops: readonly FaultOp[];
  readonly rate: number;
}

/** A fault spec that cannot be understood: a usage error (exit 2) listing every problem at once. */
export class FaultSpecError extends UserError {
  constructor(readonly problems: readonly string[]) {
    super('FAULT_SPEC_INVALID', `invalid fault spec:\n${problems.map((p) => `  ${p}`).join('\n')}\nknown faults: ${FAULT_NAMES.join(', ')}`);
  }
}

function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

const SCHEDULE_KEYS = ['after', 'first', 'every', 'max'] as const;
/** The parts of a schedule an outage (a window, not a draw) accepts. */
const WINDOW_KEYS: readonly string[] = ['after', 'for'];

/** `for=20`, `for=2.5s` or `for=500ms`: real milliseconds, or undefined when it is not a duration. */
function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : 1000));
}

function parseEntry(entry: string, problems: string[]): FaultSpec | undefined {
  const m = /^([^/:@]+)(?:\/([^:@]*))?(?::([^@]*))?(?:@(.*))?$/.exec(entry);
  if (!m) {
    problems.push(`"${entry}": expected name[/op][:rate][@schedule]`);
    return undefined;
  }
  const [, name = '', opsText, rateText, scheduleText] = m;
  const before = problems.length;
  const spec: { -readonly [K in keyof FaultSpec]: FaultSpec[K] } = { name: name as FaultName };
  if (!isFaultName(name)) problems.push(`"${entry}": unknown fault "${name}"`);
  if (opsText !== undefined) {
    const ops = opsText.split('+');
    const bad = ops.filter((op) => !(OPS as readonly string[]).includes(op));
    if (bad.length > 0) problems.push(`"${entry}": unknown operation "${bad.join('+')}" (use submit, fetch or media)`);
    else spec.ops = ops as FaultOp[];
  }
  if (rateText !== undefined) {
    const rate = rateText.trim() === '' ? NaN : Number(rateText);
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) problems.push(`"${entry}": rate "${rateText}" must be a number from 0 to 1`);
    else spec.rate = rate;
  }
  if (scheduleText !== undefined) {
    for (const part of scheduleText.split('&')) {
      const forMatch = /^for=(.*)$/.exec(part.trim());
      if (forMatch) {
        const ms = durationMs(forMatch[1]!);
        if (ms === undefined || ms < 1) problems.push(`"${entry}": for=${forMatch[1]} must be a duration such as 20, 2.5s or 500ms`);
        else spec.for = ms;
        continue;
      }
      const sm = /^(after|first|every|max)=(\d+)$/.exec(part.trim());
      if (!sm) {
        problems.push(`"${entry}": schedule "${part}" must be after=N, first=N, every=N, max=N or (outage) for=D (joined with &)`);
        continue;
      }
      const key = sm[1] as (typeof SCHEDULE_KEYS)[number];
      const n = Number(sm[2]);
      if ((key === 'every' || key === 'max') && n < 1) problems.push(`"${entry}": ${key} must be at least 1`);
      else spec[key] = n;
    }
  }
  return problems.length === before ? spec : undefined;
}

/** Parses a spec string; throws a FaultSpecError naming every bad entry. An empty string means no faults. */
export function parseFaultSpec(text: string): FaultSpec[] {
  const problems: string[] = [];
  const specs: FaultSpec[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const spec = parseEntry(entry, problems);
    if (spec) specs.push(spec);
  }
  if (problems.length > 0) throw new FaultSpecError(problems);
  return specs;
}

/** Checks specs (string or objects), fills in defaults, and refuses an operation a fault cannot apply to. */
export function resolveFaults(spec: string | readonly FaultSpec[] | undefined): ResolvedFault[] {
  const specs = spec === undefined ? [] : typeof spec === 'string' ? parseFaultSpec(spec) : spec;
  const problems: string[] = [];
  const out: ResolvedFault[] = [];
  for (const s of specs) {
    if (!isFaultName(s.name)) {
      problems.push(`unknown fault "${String(s.name)}"`);
      continue;
    }
    const info: FaultInfo = FAULTS[s.name];
    const ops = s.ops ?? info.defaultOps;
    const wrong = ops.filter((op) => !info.ops.includes(op));
    if (wrong.length > 0) problems.push(`${s.name} cannot apply to ${wrong.join('+')} (only ${info.ops.join(', ')})`);
    const rate = s.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) problems.push(`${s.name}: rate ${rate} must be from 0 to 1`);
    for (const key of SCHEDULE_KEYS) {
      const v = s[key];
      if (v !== undefined && (!Number.isInteger(v) || v < (key === 'every' || key === 'max' ? 1 : 0))) problems.push(`${s.name}: ${key}=${v} is not allowed`);
    }
    if (s.name === 'outage') {
      const extra = [...SCHEDULE_KEYS.filter((k) => s[k] !== undefined), ...(s.rate !== undefined && s.rate !== 1 ? ['rate'] : [])].filter((k) => !WINDOW_KEYS.includes(k));
      if (extra.length > 0) problems.push(`outage is a window: only after=N and for=D apply (not ${extra.join(', ')})`);
      if (s.for !== undefined && !(Number.isFinite(s.for) && s.for >= 1)) problems.push(`outage: for=${s.for} ms is not allowed`);
    } else if (s.for !== undefined) {
      problems.push(`${s.name}: for= applies to outage only`);
    }
    out.push({ ...s, ops, rate });
  }
  if (problems.length > 0) throw new FaultSpecError(problems);
  return out;
}

/** The canonical text of resolved faults (for logs and the stats). */
export function formatFaults(faults: readonly ResolvedFault[]): string {
  return faults
    .map((f) => {
      const sched = SCHEDULE_KEYS.filter((k) => f[k] !== undefined).map((k) => `${k}=${f[k]}`);
      if (f.for !== undefined) sched.push(`for=${f.for}ms`);
      return `${f.name}/${f.ops.join('+')}${f.rate !== 1 ? `:${f.rate}` : ''}${sched.length ? `@${sched.join('&')}` : ''}`;
    })
    .join(',');
}
