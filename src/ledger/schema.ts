import * as z from 'zod';
import { ASPECT_RATIOS, MOTION_MODES, QUALITIES, type SubmitRequest } from '../model/capabilities.js';
import type { Job } from '../manifest/types.js';

/**
 * The ledger's format, written once: `ledger.json`, each job record and each journal event. The TS types, what
 * an older ledger is read as (the defaults), a new job's record (`ledgerRecordOf`, below) and
 * `schemas/ledger.schema.json` (`npm run schema`) all come from here; ledger/format.ts reads and writes through it.
 *
 * Versions: `version` changes only when an older paiwo-batch would misread a newer ledger; a reader refuses any
 * version but its own. A field added later is additive and keeps version 1: give it `.default(...)` (what an older
 * ledger's lack of it means: the reader fills it, a new record starts from it) or `.optional()` when its absence
 * says something of its own (then say what). The types are `z.input`: a record held in code or read from an older
 * ledger may lack a defaulted field (a read one never does).
 */
export const LEDGER_VERSION = 1;

export const JOB_STATUSES = ['pending', 'submitting', 'submitted', 'succeeded', 'failed', 'moderated', 'unknown', 'skipped'] as const;

const jobStatus = z.enum(JOB_STATUSES);
const jobStatusDescription =
  'submitting: the intent to submit is on disk, the request may be on the wire; submitted: the service answered with a video id (generating, or not yet downloaded); unknown: a submit whose outcome cannot be known (it may have been charged), held for the user.';

/** The submit body, exactly as sent: the same fields and values as `SubmitRequest` (checked below). */
const submitRequestSchema = z.object({
  model: z.string(),
  input: z.string().describe('The prompt.'),
  aspect_ratio: z.enum(ASPECT_RATIOS).optional().describe("A text job's frame shape; none on an image job."),
  quality: z.enum(QUALITIES),
  duration: z.number().describe('Seconds of video (5, 8 or 10 on paiwo-v5.6; 1–15 on PixVerse-V6 and -C1).'),
  motion_mode: z.enum(MOTION_MODES).optional(),
  negative_prompt: z.string().optional(),
  generate_audio_switch: z.boolean().optional(),
  seed: z.number().optional(),
  img_id: z.number().optional(),
  first_frame_img: z.number().optional(),
  last_frame_img: z.number().optional(),
});

const ledgerErrorSchema = z.object({
  code: z.union([z.string(), z.number()]).describe("The service's ErrCode, the gateway's HTTP status/code, or one of ours (e.g. BUDGET, TIMEOUT)."),
  message: z.string(),
});

const submitAttemptSchema = z
  .object({
    at: z.string().describe('When the intent to submit was recorded.'),
    outcome: z.enum(['submitting', 'unknown', 'accepted', 'refused']),
    video_id: z.string().nullable(),
    credits: z.number().nullable().describe('What the service said it charged (Resp.credits); null without an answer.'),
    estimated_credits: z.number().describe("The price table's estimate when it was sent."),
    credits_refunded: z.number().describe("What the service refunded for this attempt's video, never more than its charge (ledger/money.ts)."),
    request_id: z.string().nullable().describe("The answer's X-Rixapi-Request-Id (what DMXAPI support asks for); null without one."),
  })
  .describe(
    'One submit of a job that may have reached the service: --resubmit-unknown and --retry-failed add one, never overwrite one. submitting: the intent was on disk, no answer recorded (may be charged); unknown: the answer proved neither (may be charged); accepted: answered with a video id; refused: the answer proved nothing was created.',
  );

const jobBudgetSchema = z
  .object({ max_credits: z.number(), share: z.number() })
  .describe("The budget in force when a run last planned this job: the manifest's max_credits and this shard's share of it.");

const nullableNumber = z.number().nullable();

/** One source image of a job, as the plan checked it (manifest/image-files.ts). */
const imageRefSchema = z
  .object({
    source: z.string().describe('As the manifest names it: a path relative to the manifest, or an https:// URL.'),
    file: z.string().optional().describe("The local file's absolute path when it was last planned (none for a URL)."),
    sha256: z.string().optional().describe("sha256 of the file's bytes: part of the job's id and the upload's key."),
    bytes: z.number().optional(),
    format: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
  })
  .describe('A source image.');

const jobImagesSchema = z
  .object({ image: imageRefSchema.optional(), first_frame: imageRefSchema.optional(), last_frame: imageRefSchema.optional() })
  .describe("An image job's `image`, or a first/last-frame job's `first_frame` and `last_frame`.");

/** An upload's answer, kept with the job that needed it; every job and every later run reuses it (scheduler/upload-images.ts). */
const uploadRecordSchema = z
  .object({
    family: z.string().describe('The upload model: paiwo-picture or pixverse-picture (their ids do not mix).'),
    key: z.string().describe('What was uploaded: "sha256:<hex>" of the bytes, or "url:<url>".'),
    img_id: z.string().describe('The exact decimal digits of Resp.img_id.'),
    at: z.string(),
  })
  .describe('An uploaded image.');

const jobUploadsSchema = z
  .object({ image: uploadRecordSchema.optional(), first_frame: uploadRecordSchema.optional(), last_frame: uploadRecordSchema.optional() })
  .describe('The upload each image key of the job was submitted with.');

const ledgerJobShape = {
  id: z.string(),
  manifest: z.string(),
  manifest_name: z.string(),
  request: submitRequestSchema.describe('The exact body sent (or to be sent).'),
  status: jobStatus.describe(jobStatusDescription),
  video_id: z.string().nullable().describe('The exact decimal string of the id from the response text; never a JS number.'),
  seed_requested: nullableNumber,
  seed: nullableNumber.describe('The seed the service used (from the fetch result).'),
  estimated_credits: z.number(),
  credits: nullableNumber.describe('What the submit responses charged.'),
  credits_refunded: z.number().describe('Credits returned by the provider (moderation refunds).'),
  file: z.string().describe('Relative to the output folder.'),
  bytes: nullableNumber,
  sha256: z.string().nullable(),
  width: nullableNumber,
  height: nullableNumber,
  has_audio: z.boolean().nullable(),
  attempts: z.number().describe('Submit attempts that may have reached the service.'),
  submits: z
    .array(submitAttemptSchema)
    .optional()
    .describe('Their history, oldest first. Absent in ledgers written before it was kept: derived then from credits and status (attemptsOf, ledger/money.ts).'),
  budget: jobBudgetSchema.nullable().default(null).describe('null (or absent, in older ledgers): no budget was set.'),
  error: ledgerErrorSchema.nullable(),
  axes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).describe('The matrix coordinates that produced the job (prompt as its id).'),
  promoted_from: z.string().optional().describe('The job this one re-renders (paiwo-batch promote); absent for every other job.'),
  images: jobImagesSchema.optional().describe("An image or first/last-frame job's source images; absent on a text job."),
  uploads: jobUploadsSchema.optional().describe('The uploads its images were submitted with; absent until then.'),
  created_at: z.string(),
  updated_at: z.string(),
  submitted_at: z.string().nullable(),
  finished_at: z.string().nullable(),
};

export const ledgerJobSchema = z.object(ledgerJobShape);

const ledgerTotalsSchema = z
  .object({
    jobs: z.number(),
    by_status: z.record(jobStatus, z.number()),
    credits_spent: z.number().describe('Known charges, across every attempt.'),
    credits_refunded: z.number().describe('Refunds, each at most its charge.'),
    credits_unknown: z.number().describe('Estimates of the submits whose charge is not known (outcome unknown, or no usable charge in the answer).'),
  })
  .describe('Derived from the jobs each time the file is written (ledger/money.ts); ignored when it is read.');

export const ledgerSchema = z
  .object({
    version: z.literal(LEDGER_VERSION).describe('The format; a reader refuses any other.'),
    journal_seq: z
      .number()
      .default(0)
      .describe('The sequence number of the last journal event folded into this snapshot: replaying ledger.journal.jsonl skips events at or below it.'),
    service: z
      .string()
      .optional()
      .describe('The service the jobs ran against: "simulator" for a rehearsal, else the API origin. Absent in ledgers written before it was recorded.'),
    jobs: z.array(ledgerJobSchema),
    totals: ledgerTotalsSchema,
  })
  .describe('A paiwo-batch ledger (ledger.json): every job of one output folder and what it cost.');

/** A patch names only the fields that changed: every job field but `id`, optional, and no defaults filled in. */
type PatchShape = { [K in Exclude<keyof typeof ledgerJobShape, 'id'>]: z.ZodOptional<WithoutDefault<(typeof ledgerJobShape)[K]>> };
type WithoutDefault<S> = S extends z.ZodDefault<infer Inner> ? Inner : S;
const patchShape = Object.fromEntries(
  Object.entries(ledgerJobShape)
    .filter(([key]) => key !== 'id')
    .map(([key, schema]) => [key, (schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema).optional()]),
) as PatchShape;
export const ledgerPatchSchema = z.object(patchShape);

/**
 * One line of `ledger.journal.jsonl`. `s` is a sequence number that only grows; a snapshot records the last one
 * it contains, so replaying a journal over a newer snapshot changes nothing.
 * - `put`: the whole record of a job (a new job, or one replaced by a new plan).
 * - `set`: the fields of one job that changed.
 */
export const ledgerEventSchema = z.discriminatedUnion('t', [
  z.object({ s: z.number(), t: z.literal('put'), job: ledgerJobSchema }),
  z.object({ s: z.number(), t: z.literal('set'), id: z.string(), p: ledgerPatchSchema }),
]);

export type JobStatus = (typeof JOB_STATUSES)[number];
export type LedgerError = z.input<typeof ledgerErrorSchema>;
export type SubmitAttempt = z.input<typeof submitAttemptSchema>;
export type JobBudget = z.input<typeof jobBudgetSchema>;
export type UploadRecord = z.input<typeof uploadRecordSchema>;
export type LedgerJob = z.input<typeof ledgerJobSchema>;
export type LedgerTotals = z.input<typeof ledgerTotalsSchema>;
export type Ledger = z.input<typeof ledgerSchema>;
/** The fields an update may change (identity never changes). */
export type LedgerPatch = z.input<typeof ledgerPatchSchema>;
export type LedgerEvent = z.input<typeof ledgerEventSchema>;

// The ledger's request is the wire body: a change to either one that the other lacks fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const requestIsTheWireBody: Same<z.output<typeof submitRequestSchema>, SubmitRequest> = true;
void requestIsTheWireBody;

/**
 * Fills the fields a record lacks with the schema's defaults, in place (a default object is fresh each time, never
 * shared between records); the fields it has keep their order.
 */
function withJobDefaults(record: LedgerJob): LedgerJob {
  const fields = record as Record<string, unknown>;
  for (const [key, schema] of Object.entries(ledgerJobShape)) {
    if (schema instanceof z.ZodDefault && fields[key] === undefined) fields[key] = schema.def.defaultValue;
  }
  return record;
}

/** A new job's record, as a run first writes it: what the plan knows, and the schema's defaults for the rest. */
export function ledgerRecordOf(job: Job, now: string, budget: JobBudget | null = null): LedgerJob {
  return withJobDefaults({
    id: job.id,
    manifest: job.manifest,
    manifest_name: job.manifestName,
    request: job.request,
    status: 'pending',
    video_id: null,
    seed_requested: job.request.seed ?? null,
    seed: null,
    estimated_credits: job.estimatedCredits,
    credits: null,
    credits_refunded: 0,
    file: job.file,
    bytes: null,
    sha256: null,
    width: null,
    height: null,
    has_audio: null,
    attempts: 0,
    budget,
    error: null,
    axes: { ...job.axes },
    ...(job.promotedFrom !== undefined && { promoted_from: job.promotedFrom }),
    ...(job.images && { images: structuredClone(job.images) as NonNullable<LedgerJob['images']> }),
    created_at: now,
    updated_at: now,
    submitted_at: null,
    finished_at: null,
  });
}
