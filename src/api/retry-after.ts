/** A hostile or confused service must not park the run for days: longer waits are cut to this. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds (`120`, also `1.5`) or an HTTP date. `undefined` when
 * absent or unreadable; never negative; at most MAX_RETRY_AFTER_MS.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    ms = Number(raw) * 1000;
  } else {
    // An HTTP date names a month and a time of day; Date.parse alone would read "-3" as a year.
    if (!/[a-z]{3}/i.test(raw) || !/\d{1,2}:\d{2}:\d{2}/.test(raw)) return undefined;
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}
