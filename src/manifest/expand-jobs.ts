import { checkTemplates } from './check-templates.js';
import { collectPrompts, type PromptEntry } from './collect-prompts.js';
import { expandMatrix, type Combination } from './expand-matrix.js';
import { FileNamer } from './file-namer.js';
import type { ImageFiles } from './image-files.js';
import { JobCollector } from './job-collector.js';
import { JobCursor } from './job-cursor.js';
import type { ManifestData } from './manifest-schema.js';
import { manifestParts, planAxes, type AxisInfo, type ManifestParts } from './plan-axes.js';
import { formatPath, type Problem } from './problem.js';
import { PROMPT_NAMES, ProblemList } from './problem-list.js';
import { ProblemTally } from './problem-tally.js';
import { RequestBuilder } from './request-builder.js';
import type { Job } from './types.js';
import type { PathSegment } from './yaml-source.js';

export { ABSOLUTE_EXPANSION_CAP } from './plan-axes.js';
export { MATRIX_AXIS } from './problem-list.js';

export interface ExpandContext {
  /** The manifest path as the user named it. */
  readonly file: string;
  /** The manifest's resolved name. */
  readonly name: string;
  /** The effective job limit (`--max-jobs`, else the manifest's `max_jobs`). */
  readonly maxJobs: number;
  /** How paths named inside messages are written, when `data` is not the file's own (parse-manifest.ts). */
  readonly formatPath?: (path: readonly PathSegment[]) => string;
  /** The manifest's image files, relative to its folder (absent: image keys are checked for shape only). */
  readonly images?: ImageFiles;
}

/**
 * Expands a schema-valid manifest into jobs: prompts and seeds, the matrix by GitHub Actions' rules, defaults,
 * templates, the capability table per job (each distinct problem reported once with how many jobs it affects),
 * prices, ids, safe file names, duplicates and collisions, and the job-count guard. Pure.
 */
export function expandJobs(data: ManifestData, ctx: ExpandContext): { jobs: Job[]; problems: Problem[] } {
  const problems = new ProblemList();
  const parts = manifestParts(data);
  const formatAt = ctx.formatPath ?? formatPath;
  const prompts = collectPrompts(parts.matrix, parts.defaults, parts.include, parts.exclude, formatAt);
  problems.add(prompts.problems);
  const plan = planAxes(data, parts, prompts, ctx.maxJobs, problems, ctx.images);
  if (!plan) return { jobs: [], problems: problems.items };
  const templates = checkTemplates(data, parts, prompts.prompts, plan, problems);
  if (problems.hasError((p) => p.path[0] === 'matrix' && p.path[1] === 'seed')) return { jobs: [], problems: problems.items };
  const combinations = combinationsOf(data, parts, plan.axes, prompts.promptMatches, problems);

  const tally = new ProblemTally();
  const cursor = new JobCursor(plan.axes, parts, prompts);
  const builder = new RequestBuilder(cursor, templates.book, tally, { model: data.model, defaultsPath: data.defaults ? ['defaults'] : [], formatAt, ...(ctx.images && { images: ctx.images }) });
  const patternGiven = data.filename !== undefined;
  const namer = new FileNamer(templates.book.parse(templates.pattern), cursor, { manifestName: ctx.name, model: data.model, patternGiven, unknownNames: templates.book.unknownNames });
  const collector = new JobCollector(cursor, namer, tally, { manifest: ctx.file, manifestName: ctx.name, repeat: data.repeat, filePath: templates.filePath, patternGiven });
  // With errors already found, requests are still checked (every problem at once) but no job is built.
  const buildJobs = !problems.hasError();
  for (const combo of combinations) {
    if (!cursor.select(combo)) {
      const at = combo.entry !== undefined ? ['matrix', 'include', combo.entry] : data.matrix ? ['matrix'] : [];
      tally.add('error', at, 'no prompt for this combination; set prompt here, in the matrix or in defaults', '', PROMPT_NAMES);
      continue;
    }
    const priced = builder.build();
    if (priced && buildJobs) collector.addCopies(priced, cursor.axesRecord(), combo.entry !== undefined ? parts.includeFrom[combo.entry] : undefined);
  }
  problems.add(tally.problems());
  collector.report(problems, ctx.maxJobs);
  return { jobs: collector.jobs, problems: problems.items };
}

/** The matrix's combinations (one empty one without a matrix), with the problems of include and exclude. */
function combinationsOf(
  data: ManifestData,
  parts: ManifestParts,
  axes: readonly AxisInfo[],
  promptMatches: (entry: PromptEntry, ref: unknown) => boolean,
  problems: ProblemList,
): Combination[] {
  if (data.matrix === undefined) return [{}];
  const expanded = expandMatrix({
    axes: axes.map((a) => ({ key: a.key, values: a.values })),
    include: parts.include,
    exclude: parts.exclude,
    equals: (key, axisValue, entryValue) => (key === 'prompt' ? promptMatches(axisValue as PromptEntry, entryValue) : axisValue === entryValue),
  });
  problems.add(expanded.problems);
  const { combinations } = expanded;
  parts.includeFrom.forEach((from, i) => {
    if (from !== undefined && !combinations.some((c) => c.entry === i)) {
      problems.error(['matrix', 'include', i, 'from'], '`from` names the source of a job this entry adds on its own, but this entry extends combinations of the matrix', true);
    }
  });
  if (combinations.length === 0 && axes.length > 0 && !problems.hasError()) {
    problems.error(['matrix', 'exclude'], 'every combination is excluded: nothing to run');
  }
  return combinations;
}
