import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from './command-io.js';
import { formatDiagnostic } from '../errors/manifest-error.js';
import { OutputUnwritableError, UserError } from '../errors/paiwo-error.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import { PROMPT_ID_PATTERN } from '../manifest/prompt-id.js';
import type { Diagnostic, Job, LoadedManifest } from '../manifest/types.js';
import { checkRequest, IMAGE_FIELDS, modeOfKeys, type Duration, type ImageField, type Quality, type SubmitRequest } from '../model/capabilities.js';
import { canonicalRequestJson } from '../manifest/canonical-request-json.js';
import { readLedger } from '../ledger/store.js';
import { isRehearsal } from '../ledger/service-identity.js';
import { REHEARSAL_SUFFIX } from '../plan-folders.js';
import type { LedgerJob } from '../ledger/types.js';
import { promoteManifestText, UNIQUE_FILENAME, type PromotedTake } from './promote-manifest.js';
import { favouritesOf } from '../report/picks.js';
import { asServiceSees, ownedFileReason, unwritableFields } from './promote-checks.js';

export interface PromoteOptions {
  /** `--ids`: job ids (plan, status and the report show them). */
  readonly ids?: readonly string[];
  /** `--picks FILE`: the takes marked "favourite" in a picks.json. */
  readonly picks?: string;
  readonly quality?: Quality;
  readonly duration?: Duration;
  /** `--audio` / `--no-audio`; `undefined` keeps each take's own. */
  readonly audio?: boolean;
  /** `-o FILE`; default: stdout. */
  readonly output?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** The command line, for the manifest's header. */
  readonly command?: string;
}

const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/manifest.schema.json', import.meta.url));
/** Codes of filesystem errors that are the user's environment (exit 7), not a bug. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR']);

/** A path as the user would type it from `cwd`: relative when inside it, else absolute; always with `/`. */
function shownPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  return shown.split(sep).join('/');
}

/** The takes chosen, in the order given; every problem (unknown id, not succeeded, no seed) at once. */
function chooseTakes(jobs: readonly LedgerJob[], ids: readonly string[], outDir: string): LedgerJob[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const unknown = ids.filter((id) => !byId.has(id));
  const problems: string[] = [];
  if (unknown.length > 0) problems.push(`no job ${unknown.join(', ')} in ${outDir}/ledger.json (the ids are in the report, status and plan --json)`);
  const takes = ids.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
  for (const t of takes) {
    if (t.status !== 'succeeded') problems.push(`take ${t.id} is ${t.status}, not succeeded: only a finished take can be promoted`);
    else if (!knownSeed(t)) problems.push(`take ${t.id} has no known seed (asked for none or 0, and the service reported none): a re-render could not reproduce it`);
  }
  if (problems.length > 0) throw new UserError('PROMOTE_REFUSED', `nothing was written:\n  ${problems.join('\n  ')}`);
  return takes;
}

/** The seed the service used, else a fixed seed that was asked for (0 asks the service to pick one). */
function knownSeed(t: LedgerJob): { seed: number; from: PromotedTake['seedFrom'] } | undefined {
  if (t.seed !== null && t.seed > 0) return { seed: t.seed, from: 'used' };
  if (t.seed_requested !== null && t.seed_requested > 0) return { seed: t.seed_requested, from: 'requested' };
  return undefined;
}

/** The source request with the seed pinned and the overrides applied; refused (with the reason) when the model forbids it. */
function promotedTakes(takes: readonly LedgerJob[], options: PromoteOptions, warn: (text: string) => void): PromotedTake[] {
  const problems: string[] = [];
  const out: PromotedTake[] = [];
  const seen = new Map<string, string>();
  for (const source of takes) {
    const seed = knownSeed(source)!;
    const request: SubmitRequest = { ...source.request, seed: seed.seed };
    if (options.quality !== undefined) request.quality = options.quality;
    if (options.duration !== undefined) request.duration = options.duration;
    if (options.audio !== undefined) request.generate_audio_switch = options.audio;
    const mode = modeOfKeys(new Set(Object.keys(source.images ?? {}) as ImageField[])) ?? 'text';
    const refused = checkRequest(request, mode).filter((v) => v.severity === 'error' && v.field !== 'input' && v.field !== 'negative_prompt');
    for (const v of refused) problems.push(`take ${source.id} (${source.request.quality}, ${source.request.duration} s) → ${request.quality}, ${request.duration} s: ${v.message}`);
    const key = canonicalRequestJson(request);
    const unwritable = unwritableFields(source.request);
    if (unwritable.length > 0) {
      problems.push(`take ${source.id}: its recorded request has ${unwritable.map((f) => JSON.stringify(f)).join(', ')}, which a manifest cannot hold, so a re-render would not send it`);
    } else if (asServiceSees(request, null) === asServiceSees(source.request, source.seed)) {
      problems.push(
        `take ${source.id}: nothing would change — the promoted request is the take's own as the service sees it (same fields, the seed it used${options.audio === false ? ', audio off as by default' : ''}), so it is already done and would be paid for again; pass a --quality, --duration or --audio/--no-audio that differs`,
      );
    }
    if (seed.from === 'requested') warn(`take ${source.id}: the service did not report the seed it used; pinning seed ${seed.seed}, the one asked for`);
    const twin = seen.get(key);
    if (twin) {
      warn(`takes ${twin} and ${source.id} become the same request once promoted; it is written once (from ${twin})`);
      continue;
    }
    seen.set(key, source.id);
    out.push({ source, request, seedFrom: seed.from });
  }
  if (problems.length > 0) throw new UserError('PROMOTE_REFUSED', `nothing was written:\n  ${problems.join('\n  ')}`);
  return out;
}

/** A take with its images named as the new manifest (in `dir`) names them: a path relative to it, or the URL. */
function withImagesFrom(take: PromotedTake, dir: string): PromotedTake {
  const images = take.source.images;
  if (!images) return take;
  const named: Partial<Record<ImageField, string>> = {};
  for (const key of IMAGE_FIELDS) {
    const ref = images[key];
    if (ref) named[key] = ref.file !== undefined ? relative(dir, ref.file).split(sep).join('/') : ref.source;
  }
  return { ...take, images: named };
}

/** The same image bytes (or URLs) under the same keys: the promoted job animates what its source did. */
function sameImages(a: Job['images'], b: LedgerJob['images']): boolean {
  const key = (r: { sha256?: string | undefined; source: string } | undefined): string => (r ? (r.sha256 ?? r.source) : '');
  return IMAGE_FIELDS.every((f) => key(a?.[f]) === key(b?.[f]));
}

/** Parses the text as any manifest is parsed: its jobs must be exactly the promoted requests, each linked to its source. */
function checkRoundTrip(text: string, file: string, takes: readonly PromotedTake[], baseDir: string): { manifest?: LoadedManifest; diagnostics: Diagnostic[] } {
  const parsed = parseManifest(text, file, { baseDir });
  const m = parsed.manifest;
  if (!m) return parsed;
  const same =
    m.jobs.length === takes.length &&
    takes.every((t, i) => m.jobs[i]!.promotedFrom === t.source.id && canonicalRequestJson(m.jobs[i]!.request) === canonicalRequestJson(t.request) && sameImages(m.jobs[i]!.images, t.source.images));
  if (!same) {
    // A value a manifest reads otherwise than it was recorded (e.g. an edited ledger): named, never written.
    const differ = takes.flatMap((t, i) => {
      const job = m.jobs[i];
      if (!job) return [`take ${t.source.id}: no job`];
      const keys = new Set([...Object.keys(t.request), ...Object.keys(job.request)]) as Set<keyof SubmitRequest>;
      const fields = [...keys].filter((k) => JSON.stringify(t.request[k]) !== JSON.stringify(job.request[k]));
      return fields.length > 0 ? [`take ${t.source.id}: ${fields.map((f) => `${f} ${JSON.stringify(t.request[f])}`).join(', ')}`] : [];
    });
    throw new UserError('PROMOTE_REFUSED', `a manifest cannot hold these takes' recorded requests exactly; nothing was written:\n  ${differ.join('\n  ') || 'the jobs differ from the takes'}`);
  }
  return parsed;
}

/**
 * `paiwo-batch promote <out>`: a manifest that re-renders chosen takes of an output folder with the seed the
 * service used (pinned) and the same fields unless overridden, `run.out` pointing at that folder so running it
 * adds the new jobs beside their sources. Validated like any manifest before it is written (to `-o FILE` or
 * stdout); refused, with every reason and nothing written (exit 2), for an unknown id, a take that did not
 * succeed or has no known seed, a combination the model forbids (1080p with 10 s), or a request identical to
 * its source's.
 */
export async function promoteCommand(out: string, options: PromoteOptions, io: CommandIO): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  if ((options.ids === undefined) === (options.picks === undefined)) throw new UserError('USAGE', 'promote needs exactly one of --ids ID[,ID…] or --picks FILE');
  const outDir = resolve(cwd, out);
  const ledger = await readLedger(outDir);
  const requested = options.ids ?? (await favouritesOf(resolve(cwd, options.picks!)));
  if (requested.length === 0) throw new UserError('PROMOTE_REFUSED', `${options.picks} marks no take "favourite": nothing to promote`);
  const ids = [...new Set(requested)];
  const warn = (text: string): void => void io.stderr.write(`warning: ${text}\n`);
  const takes = promotedTakes(chooseTakes(ledger.jobs, ids, shownPath(cwd, outDir)), options, warn);
  const file = options.output !== undefined ? resolve(cwd, options.output) : resolve(cwd, 'promoted.yaml');
  // Each take keeps its model (written on its entry) and its images, named relative to the new manifest.
  for (const [i, t] of takes.entries()) takes[i] = withImagesFrom(t, dirname(file));
  const baseName = `${takes[0]!.source.manifest_name}-promoted`.slice(0, 64);
  const spec = {
    takes,
    schemaPath: shownPath(dirname(file), SCHEMA_FILE),
    name: PROMPT_ID_PATTERN.test(baseName) ? baseName : 'promoted',
    out: shownPath(cwd, outDir),
    command: options.command ?? `paiwo-batch promote ${out}`,
  };
  const shownFile = options.output ?? '<stdout>';
  let text = promoteManifestText(spec);
  let parsed = checkRoundTrip(text, shownFile, takes, dirname(file));
  const taken = new Map(ledger.jobs.map((j) => [j.file, j.id]));
  const clashes = (m: LoadedManifest): boolean => m.jobs.some((j) => taken.has(j.file) && taken.get(j.file) !== j.id);
  if (!parsed.manifest || clashes(parsed.manifest)) {
    // Two takes (or a take and a job already in the folder) would share a file name: the job id tells them apart.
    const unique = promoteManifestText({ ...spec, filename: UNIQUE_FILENAME });
    const again = checkRoundTrip(unique, shownFile, takes, dirname(file));
    if (again.manifest || parsed.manifest) [text, parsed] = [unique, again];
  }
  if (!parsed.manifest || clashes(parsed.manifest)) {
    for (const d of parsed.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    throw new UserError('PROMOTE_REFUSED', 'the manifest for these takes does not validate (problems above); nothing was written');
  }
  for (const d of parsed.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  const existing = new Map(ledger.jobs.map((j) => [j.id, j]));
  for (const job of parsed.manifest.jobs) {
    const there = existing.get(job.id);
    if (there) warn(`the re-render of take ${job.promotedFrom} is already job ${there.id} of this folder (${there.status}); run treats it as that job`);
  }

  if (options.output !== undefined) {
    const owned = await ownedFileReason(file, outDir, ledger.jobs);
    if (owned !== null) throw new UserError('PROMOTE_REFUSED', `will not write the manifest to ${options.output}: ${owned}; nothing was written. Choose another -o path (e.g. promoted.yaml)`);
  }
  if (options.output === undefined) io.stdout.write(text);
  else await writeManifest(file, text);
  const rehearsal = isRehearsal(ledger.service);
  // A rehearsal folder named by --out (not `<name>.rehearsal`) is found again only with that --out.
  const simulatorFlags = rehearsal ? `--simulator ${outDir.endsWith(REHEARSAL_SUFFIX) ? '' : `--out ${spec.out} `}` : '';
  const fresh = parsed.manifest.jobs.filter((j) => !existing.has(j.id));
  const credits = fresh.reduce((sum, j) => sum + j.estimatedCredits, 0);
  const already = parsed.manifest.jobs.length - fresh.length;
  io.stderr.write(
    `promote: ${takes.length} take${takes.length === 1 ? '' : 's'} of ${spec.out} → ${shownFile}: ${fresh.length} new job${fresh.length === 1 ? '' : 's'}, about ${credits.toLocaleString('en-US')} credits` +
      `${already > 0 ? ` (${already} already in the folder)` : ''}` +
      `${options.output !== undefined ? `; check it with \`paiwo-batch plan ${options.output}\`, then \`paiwo-batch run ${simulatorFlags}${options.output}\`` : ''}\n`,
  );
  if (rehearsal) warn(`${spec.out} is a rehearsal (the built-in simulator's takes): rehearse the promotion with \`run ${simulatorFlags.trim()}\`; a real run of it is refused`);
  return 0;
}

async function writeManifest(file: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && UNWRITABLE.has(code)) {
      throw new OutputUnwritableError('MANIFEST_UNWRITABLE', `cannot write ${file} (${code}): choose another -o path or free the disk`, { cause: error });
    }
    throw error;
  }
}
