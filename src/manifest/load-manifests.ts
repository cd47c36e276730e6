import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { ManifestError } from '../errors/manifest-error.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './parse-manifest.js';
import { fileCollisionKey } from './safe-file-name.js';
import { shardJobs } from './shard-jobs.js';
import type { Diagnostic, Job, LoadedManifest, ManifestSet, Shard } from './types.js';

export interface LoadManifestsOptions {
  /** Where relative patterns start. @default process.cwd() */
  readonly cwd?: string;
  /** `--max-jobs`: overrides every manifest's `max_jobs` and also limits all manifests together. */
  readonly maxJobs?: number;
  /** Keep only this stable partition of the jobs (after duplicates are merged). */
  readonly shard?: Shard;
}

/** Everything the loader found, errors included: what `validate` reports. */
export interface ManifestScan extends ManifestSet {
  /** Every manifest file the patterns named, as displayed. */
  readonly files: readonly string[];
}

function fileProblem(file: string, message: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { severity, file, line: 0, column: 0, path: '', message };
}

async function resolvePatterns(patterns: readonly string[], cwd: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const found: string[] = [];
  for (const pattern of patterns) {
    if (!fg.isDynamicPattern(pattern)) {
      const absolute = path.resolve(cwd, pattern);
      const info = await stat(absolute).catch(() => undefined);
      if (!info) diagnostics.push(fileProblem(pattern, 'no such file'));
      else if (info.isDirectory()) diagnostics.push(fileProblem(pattern, `is a folder; name files or a glob such as "${path.posix.join(pattern, '**/*.yaml')}"`));
      else found.push(absolute);
      continue;
    }
    const matches = (await fg(pattern, { cwd, absolute: true, onlyFiles: true, unique: true, suppressErrors: true })).sort();
    if (matches.length === 0) diagnostics.push(fileProblem(pattern, `no file matches the pattern "${pattern}"`));
    found.push(...matches.map((m) => path.normalize(m)));
  }
  return [...new Set(found)];
}

function displayName(absolute: string, cwd: string): string {
  const rel = path.relative(cwd, absolute);
  return rel && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel) ? rel : absolute;
}

async function readManifestText(absolute: string, file: string, diagnostics: Diagnostic[]): Promise<string | undefined> {
  try {
    const info = await stat(absolute);
    if (info.size > MAX_MANIFEST_BYTES) {
      diagnostics.push(fileProblem(file, `the file is ${(info.size / 1024 / 1024).toFixed(1)} MB; a manifest may be at most ${MAX_MANIFEST_BYTES / 1024 / 1024} MB (not read)`));
      return undefined;
    }
    const bytes = await readFile(absolute);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const message = error instanceof TypeError ? 'the file is not UTF-8 text' : `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    diagnostics.push(fileProblem(file, message));
    return undefined;
  }
}

/**
 * Finds, reads, validates and expands every manifest the patterns name, and merges their jobs (a job in two
 * manifests runs once: the first keeps it). Never throws for a bad manifest: every problem is in
 * `diagnostics`, and `manifests`/`jobs` hold what was valid.
 */
export async function scanManifests(patterns: readonly string[], options: LoadManifestsOptions = {}): Promise<ManifestScan> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const diagnostics: Diagnostic[] = [];
  if (patterns.length === 0) diagnostics.push(fileProblem('(arguments)', 'no manifest given'));
  const absolutes = await resolvePatterns(patterns, cwd, diagnostics);
  const files = absolutes.map((a) => displayName(a, cwd));
  const parsed: LoadedManifest[] = [];
  for (let i = 0; i < absolutes.length; i++) {
    const text = await readManifestText(absolutes[i]!, files[i]!, diagnostics);
    if (text === undefined) continue;
    const result = parseManifest(text, files[i]!, { baseDir: path.dirname(absolutes[i]!), ...(options.maxJobs !== undefined && { maxJobs: options.maxJobs }) });
    diagnostics.push(...result.diagnostics);
    if (result.manifest) parsed.push(result.manifest);
  }

  // Across manifests: one job per id (first wins), and no two jobs writing one file of a shared output folder.
  // A lone manifest has been checked for both already; skip the per-job work (100,000-job plans).
  const manifests: LoadedManifest[] = parsed.length === 1 ? parsed : [];
  const all: Job[] = parsed.length === 1 ? [...parsed[0]!.jobs] : [];
  if (parsed.length > 1) {
    const owner = new Map<string, LoadedManifest>();
    const folderOf = (m: LoadedManifest): string => path.resolve(cwd, m.run.out ?? path.join('output', m.name));
    const shared = new Set<string>();
    const seenFolders = new Set<string>();
    for (const m of parsed) (seenFolders.has(folderOf(m)) ? shared : seenFolders).add(folderOf(m));
    const folders = new Map<string, Map<string, { job: Job; manifest: LoadedManifest }>>();
    for (const manifest of parsed) {
      const own: Job[] = [];
      const repeated = new Map<string, number>();
      const folder = folderOf(manifest);
      const files = shared.has(folder) ? (folders.get(folder) ?? new Map<string, { job: Job; manifest: LoadedManifest }>()) : undefined;
      if (files) folders.set(folder, files);
      let clash: { job: Job; other: Job; manifest: LoadedManifest } | undefined;
      let clashes = 0;
      for (const job of manifest.jobs) {
        const first = owner.get(job.id);
        if (first) {
          repeated.set(first.path, (repeated.get(first.path) ?? 0) + 1);
          continue;
        }
        if (files) {
          const key = fileCollisionKey(job.file);
          const other = files.get(key);
          if (other && other.manifest !== manifest) {
            clashes++;
            clash ??= { job, other: other.job, manifest: other.manifest };
            continue;
          }
          files.set(key, { job, manifest });
        }
        owner.set(job.id, manifest);
        own.push(job);
      }
      for (const [other, n] of repeated) {
        diagnostics.push(fileProblem(manifest.path, `${n} job${n === 1 ? ' is' : 's are'} also in ${other}; ${n === 1 ? 'it runs' : 'they run'} once, as part of ${other}`, 'warning'));
      }
      if (clash) {
        diagnostics.push(
          fileProblem(
            manifest.path,
            `${clashes} job${clashes === 1 ? '' : 's'} would write the same file as a job of ${clash.manifest.path} in the shared output folder ${folder} (e.g. ${JSON.stringify(clash.job.file)}); give the manifests different names or run.out folders`,
          ),
        );
      }
      manifests.push({ ...manifest, jobs: own });
      for (const job of own) all.push(job);
    }
  }
  if (options.maxJobs !== undefined && all.length > options.maxJobs && parsed.length > 1) {
    diagnostics.push(fileProblem('--max-jobs', `the manifests plan ${all.length.toLocaleString('en-US')} jobs together, more than --max-jobs ${options.maxJobs}`));
  }
  const shard = options.shard;
  return {
    files,
    manifests: shard ? manifests.map((m) => ({ ...m, jobs: shardJobs(m.jobs, shard), unshardedCredits: m.jobs.reduce((sum, j) => sum + j.estimatedCredits, 0) })) : manifests,
    jobs: shardJobs(all, shard),
    diagnostics,
  };
}

/**
 * Loads manifests for a command that will act on them: expands the paths and globs (fast-glob), refuses files
 * over 10 MB unread, and throws one `ManifestError` carrying every problem of every file when any is an error.
 * Otherwise the set's `diagnostics` holds the warnings.
 */
export async function loadManifests(patterns: readonly string[], options: LoadManifestsOptions = {}): Promise<ManifestSet> {
  const scan = await scanManifests(patterns, options);
  if (scan.diagnostics.some((d) => d.severity === 'error')) throw new ManifestError(scan.diagnostics);
  return { manifests: scan.manifests, jobs: scan.jobs, diagnostics: scan.diagnostics };
}
