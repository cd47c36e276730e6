import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { UserError } from '../errors/paiwo-error.js';
import { JOB_ID_PATTERN } from '../manifest/manifest-schema.js';

/**
 * `<out>/picks.json`, the marks made while reviewing a report (written by the review page):
 * `{"version":1,"updated_at":"<ISO>","takes":{"<job id>":{"mark":"favourite"|"reject"|null,"note":"<text>"}}}`.
 * Unknown keys are allowed (a newer page may add some); the ones promote reads are checked.
 */
export const picksSchema = z.object({
  version: z.literal(1),
  updated_at: z.string().optional(),
  takes: z.record(
    z.string().regex(JOB_ID_PATTERN, 'a job id (16 characters 0-9 a-f)'),
    z.object({
      mark: z.enum(['favourite', 'reject']).nullable().optional(),
      note: z.string().optional(),
    }),
  ),
});
export type Picks = z.infer<typeof picksSchema>;

/** The ids marked "favourite" in a picks file, in the file's order; a clear UserError (exit 2) for a bad file. */
export async function favouritesOf(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError('PICKS_UNREADABLE', `cannot read the picks file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError('PICKS_INVALID', `${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = picksSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(the file)'}: ${i.message}`);
    throw new UserError('PICKS_INVALID', `${file} is not a picks file (version 1): ${problems.join('; ')}`);
  }
  return Object.entries(parsed.data.takes)
    .filter(([, take]) => take.mark === 'favourite')
    .map(([id]) => id);
}
