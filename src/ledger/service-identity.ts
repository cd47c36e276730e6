/**
 * Which service an output folder's jobs ran against, so a rehearsal and a real run never share a ledger: a real
 * run that found a rehearsal's "succeeded" jobs would pay nothing and keep test patterns, and a rehearsal's
 * credits would count against the real budget.
 */
import { UserError } from '../errors/paiwo-error.js';

/** The built-in simulator (`run --simulator`): every run with it is a rehearsal, whatever its port. */
export const SIMULATOR_SERVICE = 'simulator';

/** What a ledger records: `"simulator"`, or the API's origin — scheme, host and port; never a path, query or key. */
export function serviceOf(baseUrl: string, simulator: boolean): string {
  if (simulator) return SIMULATOR_SERVICE;
  try {
    return new URL(baseUrl).origin;
  } catch {
    throw new UserError('USAGE', `the API base URL is not a URL: ${JSON.stringify(baseUrl)}`);
  }
}

export function isRehearsal(service: string | undefined): boolean {
  return service === SIMULATOR_SERVICE;
}

/** How people read a service: "the built-in simulator (a rehearsal)" or the origin. */
export function describeService(service: string): string {
  return isRehearsal(service) ? 'the built-in simulator (a rehearsal)' : service;
}

/** Where a run's folder came from, so a refusal names what to change. */
export interface FolderOrigin {
  /** `--out` named it (false: the manifest's run.out or the default). */
  readonly outFlag?: boolean;
  /** Its jobs re-render takes of the folder (paiwo-batch promote). */
  readonly promoted?: boolean;
}

/**
 * Throws (exit 2, before anything is sent) when the folder's ledger ran against another service. A ledger
 * without a service (written before it was recorded) is accepted; the run records its own.
 */
export function checkFolderService(outDir: string, recorded: string | undefined, service: string, why: FolderOrigin = {}): void {
  if (recorded === undefined || recorded === service) return;
  const how = isRehearsal(service)
    ? 'Rehearse into another folder: drop --out (rehearsals go to output/<manifest name>.rehearsal/ by default) or pass another --out.'
    : isRehearsal(recorded)
      ? why.promoted
        ? "The manifest's jobs re-render takes of that rehearsal (paiwo-batch promote wrote its run.out): their sources are a rehearsal, made by the built-in simulator, not the real service. Rehearse it with --simulator, or promote takes of a real run's folder."
        : why.outFlag === false
          ? "That folder is a rehearsal, named by the manifest's run.out: change run.out (real runs go to output/<manifest name>/ by default) or pass another --out."
          : 'That folder is a rehearsal: run for real without --out (real runs go to output/<manifest name>/) or pass another --out.'
      : `Pass another --out for this service, or run against ${recorded} again to continue that folder.`;
  throw new UserError(
    'SERVICE_MISMATCH',
    `${outDir} holds jobs run against ${describeService(recorded)}; this run is against ${describeService(service)}. Nothing was sent. ${how}`,
  );
}
