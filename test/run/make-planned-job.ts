import { jobId } from '../../src/manifest/job-id.js';
import type { Job } from '../../src/manifest/types.js';
import type { SubmitRequest } from '../../src/model/capabilities.js';
import { estimateCredits } from '../../src/model/prices.js';

/** A planned job as the loader makes one, for tests of the scheduler below the manifest stage. */
export function makePlannedJob(request: Partial<SubmitRequest> & { input: string }, repeatIndex = 0): Job {
  const full: SubmitRequest = { model: 'paiwo-v5.6-ttv', aspect_ratio: '16:9', quality: '540p', duration: 5, ...request };
  const id = jobId(full, repeatIndex);
  return {
    id,
    manifest: 'test.yaml',
    manifestName: 'test',
    request: full,
    repeatIndex,
    file: `${id}.mp4`,
    estimatedCredits: estimateCredits(full)!,
    axes: { prompt: request.input },
  };
}
