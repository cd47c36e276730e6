import * as z from 'zod';
import { JOB_ID_LENGTH } from './job-id.js';
import { PROMPT_ID_PATTERN } from './prompt-id.js';
import { ASPECT_RATIOS, DEFAULT_MODEL, MAX_DURATION, MODEL_NAMES, MOTION_MODES, QUALITIES, SEED_MAX, SEED_MIN } from '../model/capabilities.js';

/**
 * The manifest language as a zod schema: the one place every key, type and default is written. The JSON Schema
 * in schemas/ is generated from it (write-schema.ts); cross-field rules (the capability table, templates,
 * include/exclude) come after it, in parse-manifest.ts.
 */

const aspectRatio = z.enum(ASPECT_RATIOS).describe('Frame shape of a text job, e.g. "16:9" (21:9: PixVerse-V6 only). Quote it in YAML. Not on an image or first/last-frame job.');
const quality = z.enum(QUALITIES).describe('Output resolution.');
const duration = z.int().min(1).max(MAX_DURATION).describe('Seconds of video: 5, 8 or 10 on paiwo-v5.6 (1080p: 5 and 8); any whole second 1–15 on PixVerse-V6 and PixVerse-C1.');
const motionMode = z.enum(MOTION_MODES).describe('"normal" or "fast"; "fast" does not support 8 s on paiwo-v5.6-ttv.');
const negativePrompt = z.string().describe('What the video should not show; at most 2048 characters; may use {variables}.');
const audioSwitch = z.boolean().describe('Generate a sound track (v5.5 and v5.6 only); changes the price.');
const seed = z.int().min(SEED_MIN).max(SEED_MAX).describe('0 – 2147483647; 0 lets the service pick (not reproducible).');
const model = z.enum(MODEL_NAMES as [string, ...string[]]).describe('The generation model; PixVerse-V6 and -C1 pick text, image or first/last frame from the image keys given.');
const imageSource = (what: string): z.ZodString =>
  z.string().min(1).describe(`${what}: a PNG, JPEG or WebP file (path relative to the manifest; a glob gives one value per file, sorted) or an https:// URL; at most 20 MB and 4,000 px on its longest side.`);
const image = imageSource('The image to animate (image-to-video)');
const firstFrame = imageSource('The first frame of a first/last-frame job');
const lastFrame = imageSource('The last frame of a first/last-frame job');
const promptText = z.string().min(1).describe('The prompt (the API\'s `input`); at most 2048 characters; may use {variables}.');

/** The request fields a manifest may set, under the API's own names. */
export const requestFieldShape = {
  model: model.optional(),
  image: image.optional(),
  first_frame: firstFrame.optional(),
  last_frame: lastFrame.optional(),
  aspect_ratio: aspectRatio.optional(),
  quality: quality.optional(),
  duration: duration.optional(),
  motion_mode: motionMode.optional(),
  negative_prompt: negativePrompt.optional(),
  generate_audio_switch: audioSwitch.optional(),
  seed: seed.optional(),
};
export type RequestFieldName = keyof typeof requestFieldShape;
export const REQUEST_FIELD_NAMES = Object.keys(requestFieldShape) as RequestFieldName[];

export const promptObjectSchema = z
  .strictObject({
    id: z
      .string()
      .refine((v) => PROMPT_ID_PATTERN.test(v), 'a prompt id may only use letters, digits, ".", "_" and "-", start with a letter or digit, and be at most 64 characters')
      .optional()
      .describe('Names the prompt in file names, include/exclude and the report; default: a slug of the text.'),
    text: promptText,
    ...requestFieldShape,
  })
  .describe('A prompt with an id and request fields of its own (they beat `defaults`, the matrix beats them).');

export const promptSchema = z.union([promptText, promptObjectSchema]);
export type PromptInput = z.infer<typeof promptSchema>;

export const seedAxisSchema = z
  .union([
    z.array(seed).min(1).describe('Explicit seeds.'),
    z
      .strictObject({
        from: seed.describe('First seed.'),
        count: z.int().min(1).describe('How many consecutive seeds.'),
      })
      .describe('Consecutive seeds from, from+1, …'),
    z
      .strictObject({
        random: z.int().min(1).describe('How many seeds.'),
        base: z.int().min(0).max(0xffffffff).describe('Seed of the generator (mulberry32): same base, same seeds.'),
      })
      .describe('N distinct pseudo-random seeds in 1 – 2147483647, the same on every run.'),
  ])
  .describe('The seed axis: a list, {from, count} or {random, base}.');

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A job id as plan, status and the ledger show it. */
export const JOB_ID_PATTERN = new RegExp(`^[0-9a-f]{${JOB_ID_LENGTH}}$`);

/**
 * `from` on an include entry: metadata, never sent and not part of the job's id — the job this one re-renders
 * (written by `paiwo-batch promote`; the ledger records it as `promoted_from`).
 */
export const promotedFromSchema = z
  .string()
  .regex(JOB_ID_PATTERN, `a job id: ${JOB_ID_LENGTH} characters 0-9 a-f, as plan and status show it`)
  .describe('Not sent: the id of the job this entry re-renders (written by `paiwo-batch promote`); recorded in the ledger as promoted_from. Only on an entry that adds a job of its own.');

/** Keys of an include/exclude entry: request fields, `prompt` (by id or text), `from` (include only), or matrix variables. */
export const includeEntrySchema = z
  .object({ prompt: promptSchema.optional(), from: promotedFromSchema.optional(), ...requestFieldShape })
  .catchall(scalar)
  .describe('Extends every combination it matches without overwriting an axis value, else adds a job of its own (GitHub Actions rules).');
export const excludeEntrySchema = z
  .object({ prompt: promptText.optional().describe('A prompt id or text.'), ...requestFieldShape })
  .catchall(scalar)
  .describe('Removes every combination matching all of its keys (a partial match).');

export const matrixSchema = z
  .object({
    prompt: z.array(promptSchema).min(1).optional().describe('Prompts: text, or {id, text, negative_prompt, …}.'),
    model: z.array(model).min(1).optional(),
    image: z.array(image).min(1).optional(),
    first_frame: z.array(firstFrame).min(1).optional(),
    last_frame: z.array(lastFrame).min(1).optional(),
    aspect_ratio: z.array(aspectRatio).min(1).optional(),
    quality: z.array(quality).min(1).optional(),
    duration: z.array(duration).min(1).optional(),
    motion_mode: z.array(motionMode).min(1).optional(),
    negative_prompt: z.array(negativePrompt).min(1).optional(),
    generate_audio_switch: z.array(audioSwitch).min(1).optional(),
    seed: seedAxisSchema.optional(),
    include: z.array(includeEntrySchema).min(1).optional(),
    exclude: z.array(excludeEntrySchema).min(1).optional(),
  })
  .catchall(z.array(scalar).min(1).describe('A variable for {templates}: a list of values.'))
  .describe('Every key is an axis with a list of values; the first key varies slowest. Other keys are variables for {templates}.');

export const pollSchema = z
  .strictObject({
    initial_delay: z.number().min(0).optional().describe('Seconds before the first status check; default: the expected generation time of the job.'),
    interval: z.number().positive().default(5).describe('Seconds between status checks at first.'),
    max_interval: z.number().positive().default(15).describe('Longest pause between status checks, in seconds (the interval grows to it).'),
  })
  .refine((p) => p.max_interval >= p.interval, { path: ['max_interval'], message: 'max_interval is shorter than interval' })
  .describe('How often a submitted job is checked.');

export const breakerSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false: never stop for failures.'),
    min_finished: z.int().min(1).default(10).describe('Jobs that must have finished in the run before it may trip.'),
    window: z.int().min(1).default(20).describe('How many of the most recently finished jobs it looks at.'),
    rate: z.number().gt(0).max(1).default(0.8).describe('Share of those that failed (or, counted apart, were moderated) that stops submitting.'),
  })
  .describe('The failure-rate breaker: stop submitting (exit 5) when most recently finished jobs fail.');

export const runSchema = z
  .strictObject({
    concurrency: z.int().min(1).default(4).describe('Generations in flight at once.'),
    requests_per_second: z.number().positive().optional().describe('Limit on all API calls together; default: none.'),
    max_credits: z.int().min(0).optional().describe('Budget in credits: no job is submitted that could take the spend past it.'),
    poll: pollSchema.prefault({}),
    job_timeout: z.number().positive().default(1800).describe('Seconds after submit before a job is given up (it stays resumable).'),
    retries: z.int().min(0).default(5).describe('Retries of a transient failure per API call.'),
    out: z.string().min(1).optional().describe('Output folder; relative to the current directory. Default: output/<name>/.'),
    outage_wait: z
      .number()
      .positive()
      .default(1800)
      .describe('Seconds the run waits for an unreachable service (probing with free calls) before it stops submitting and exits 6; jobs never sent stay pending.'),
    failure_breaker: breakerSchema.prefault({}),
  })
  .describe('How the run command runs this manifest (flags override it).');

export const DEFAULT_MAX_JOBS = 1000;

export const manifestSchema = z
  .strictObject({
    name: z
      .string()
      .refine((v) => PROMPT_ID_PATTERN.test(v), 'the name names a folder: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters')
      .optional().describe('Names the output folder; default: the file\'s base name.'),
    model: model.default(DEFAULT_MODEL).describe('The generation model of every job that sets none (defaults, the matrix or an include entry may set it per job).'),
    defaults: z
      .strictObject({ prompt: promptSchema.optional(), ...requestFieldShape })
      .optional()
      .describe('Request fields applied to every job unless the matrix (or a prompt) sets them.'),
    matrix: matrixSchema.optional(),
    repeat: z.int().min(1).default(1).describe('Identical copies of each job, each with its own id (and a paid video).'),
    max_jobs: z
      .int()
      .min(1)
      .default(DEFAULT_MAX_JOBS)
      .describe('Refuse to plan more jobs than this (a guard against typos; --max-jobs overrides it).'),
    filename: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe('Output file-name pattern; `/` makes subfolders, .mp4 is appended. Default: "{prompt}_{aspect_ratio}_{quality}_{duration}s_seed{seed}".'),
    run: runSchema.prefault({}),
  })
  .meta({ title: 'paiwo-batch manifest', description: 'A batch of paiwo / PixVerse video jobs (text, image or first/last frame): defaults × matrix, expanded into one job per combination.' });

export type ManifestInput = z.input<typeof manifestSchema>;
export type ManifestData = z.output<typeof manifestSchema>;
export type PromptObject = z.output<typeof promptObjectSchema>;
export type IncludeEntry = z.output<typeof includeEntrySchema>;
export type ExcludeEntry = z.output<typeof excludeEntrySchema>;
