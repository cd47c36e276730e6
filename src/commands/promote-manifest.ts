import type { SubmitRequest } from '../model/capabilities.js';
import { PROMPT_ID_PATTERN, promptSlug } from '../manifest/prompt-id.js';
import type { LedgerJob } from '../ledger/types.js';

/** One take to re-render: its ledger record and the exact request the new job will send. */
export interface PromotedTake {
  readonly source: LedgerJob;
  readonly request: SubmitRequest;
  /** Where the pinned seed comes from, for the comment. */
  readonly seedFrom: 'used' | 'requested';
  /** The take's source images as the new manifest names them (paths relative to it, or the URLs). */
  readonly images?: Readonly<Partial<Record<'image' | 'first_frame' | 'last_frame', string>>>;
}

export interface PromoteManifestText {
  readonly takes: readonly PromotedTake[];
  /** `# yaml-language-server: $schema=` target, relative to the manifest's folder. */
  readonly schemaPath: string;
  /** The manifest's `name:` (names nothing on disk: `run.out` is set). */
  readonly name: string;
  /** `run.out`: the source folder, so the new jobs land beside their sources. */
  readonly out: string;
  /** The command line that wrote it, for the header. */
  readonly command: string;
  /** `filename:` pattern, when the default one would make two jobs share a file. */
  readonly filename?: string;
}

/** The file-name pattern used when the default one collides: the job id makes every name unique. */
export const UNIQUE_FILENAME = '{prompt}_{aspect_ratio}_{quality}_{duration}s_seed{seed}_{id}';

/**
 * A YAML double-quoted scalar for any string: JSON's escapes are YAML's, plus the characters YAML reads as line
 * breaks or may not hold unescaped (C1 controls, NEL, LS, PS, BOM), which JSON leaves as they are.
 */
export function yamlString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Prompt and negative prompt are templates in a manifest: braces of the sent text are written doubled. */
const literalTemplate = (text: string): string => text.replace(/[{}]/g, (b) => b + b);

/** A comment holds one line: control characters of a file name or prompt become spaces. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');

function promptIdOf(source: LedgerJob): string {
  const axis = source.axes.prompt;
  return typeof axis === 'string' && PROMPT_ID_PATTERN.test(axis) ? axis : promptSlug(source.request.input);
}

function changes(from: SubmitRequest, to: SubmitRequest): string {
  const out: string[] = [];
  if (from.quality !== to.quality) out.push(`${from.quality} → ${to.quality}`);
  if (from.duration !== to.duration) out.push(`${from.duration} s → ${to.duration} s`);
  if ((from.generate_audio_switch ?? false) !== (to.generate_audio_switch ?? false)) out.push(to.generate_audio_switch ? 'audio on' : 'audio off');
  return out.length > 0 ? out.join(', ') : 'same settings';
}

/** The request fields a manifest may set, in the order they are written. */
const FIELDS = ['negative_prompt', 'aspect_ratio', 'quality', 'duration', 'motion_mode', 'generate_audio_switch', 'seed'] as const;

function fieldValue(request: SubmitRequest, field: (typeof FIELDS)[number]): string | undefined {
  const value = request[field];
  if (value === undefined) return undefined;
  if (field === 'negative_prompt') return yamlString(literalTemplate(String(value)));
  return typeof value === 'string' ? yamlString(value) : String(value);
}

/**
 * One include entry. The fields that were matrix axes of the source (and quality and seed, what promote is about)
 * are keys of the entry, so they are the new job's axes too and the report can line it up with its source; the
 * other fields go in the prompt object (fields of a prompt are not axes).
 */
function entry(take: PromotedTake, mixedModels: boolean): string[] {
  const { source, request } = take;
  const seedNote = take.seedFrom === 'used' ? 'the seed the service used' : 'the seed asked for (the service did not report the one it used)';
  const onEntry = (f: (typeof FIELDS)[number]): boolean => f === 'quality' || f === 'seed' || f in source.axes;
  const lines = [
    `    # take ${source.id}  ${oneLine(source.file)}`,
    `    #   ${changes(source.request, request)}; seed ${request.seed} = ${seedNote}`,
    `    - from: ${yamlString(source.id)}`,
    `      prompt:`,
    `        id: ${yamlString(promptIdOf(source))}`,
    `        text: ${yamlString(literalTemplate(request.input))}`,
  ];
  for (const f of FIELDS) {
    const value = fieldValue(request, f);
    if (value !== undefined && !onEntry(f)) lines.push(`        ${f}: ${value}`);
  }
  // The model and the source images are the take's own: on the entry when the models differ (or model was an axis),
  // so a family sweep promotes as one file; else the top-level model says it.
  if (mixedModels || 'model' in source.axes) lines.push(`      model: ${yamlString(request.model)}`);
  for (const [key, value] of Object.entries(take.images ?? {})) lines.push(`      ${key}: ${yamlString(value)}`);
  for (const f of FIELDS) {
    const value = fieldValue(request, f);
    if (value !== undefined && onEntry(f)) lines.push(`      ${f}: ${value}`);
  }
  return lines;
}

/**
 * The manifest `promote` writes: one `matrix.include` entry per take (a matrix of only include entries makes one
 * job per entry), each with every request field written out (entry or prompt object), the pinned seed, and `from:` naming its source
 * (metadata, not sent: the ledger records it as `promoted_from`); `run.out` is the source folder. Readable:
 * a header saying where it came from and what a fixed seed can and cannot do, a comment per take.
 */
export function promoteManifestText(m: PromoteManifestText): string {
  const model = m.takes[0]!.request.model;
  return [
    `# yaml-language-server: $schema=${m.schemaPath}`,
    `# Written by \`${oneLine(m.command)}\` on ${new Date().toISOString()}.`,
    `# Re-renders ${m.takes.length} take${m.takes.length === 1 ? '' : 's'} of ${oneLine(m.out)} with the seed pinned; \`paiwo-batch run\` on this file`,
    '# adds the new jobs beside their sources in that folder (each records promoted_from: <source id> in the ledger).',
    '# There is no upscale for this model: a fixed seed reproduces a take only when every other field is identical,',
    '# so a take at a new quality or duration is a new generation that usually looks close to its source, not the same.',
    `name: ${yamlString(m.name)}`,
    `model: ${yamlString(model)}`,
    ...(m.filename !== undefined ? [`filename: ${yamlString(m.filename)}`] : []),
    'matrix:',
    '  include:',
    ...m.takes.flatMap((t) => entry(t, new Set(m.takes.map((x) => x.request.model)).size > 1)),
    'run:',
    `  out: ${yamlString(m.out)}`,
    '',
  ].join('\n');
}
