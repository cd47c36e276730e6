import { constants, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import { redact, redactValue } from './redact.js';

export type { Logger } from 'pino';

/** Field paths pino blanks wherever they appear; the key is also never put in a log object on purpose. */
export const REDACT_PATHS = [
  'apiKey',
  'api_key',
  'key',
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.apiKey',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

/** The level of every logger the tool makes unless told otherwise (`--log-level`). */
export const DEFAULT_LOG_LEVEL = 'info';

export interface LoggerOptions {
  /** @default DEFAULT_LOG_LEVEL */
  readonly level?: string;
  /** Where JSON lines go. @default stderr */
  readonly destination?: DestinationStream | string;
  /**
   * A file destination that is a symbolic link is refused (O_NOFOLLOW): for files the tool places itself
   * (`<out>/run.log`), where a link may have been planted. A `--log-file` the user names is opened as named.
   */
  readonly refuseLinks?: boolean;
  /**
   * A second destination for the lines at or above its level (a run outside a terminal: the full log in
   * `<out>/run.log`, its warnings on stderr too).
   */
  readonly echo?: { readonly level: string; readonly destination: DestinationStream };
}

/** Opens a log file for appending, creating its folder; never through a link when `refuseLinks` (ELOOP then). */
function openLogFile(path: string, refuseLinks: boolean): number {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (refuseLinks ? constants.O_NOFOLLOW : 0);
  mkdirSync(dirname(path), { recursive: true });
  // A planted link fails with ELOOP; the command that placed the file words it for the user (util knows no errors).
  return openSync(path, flags, 0o666);
}

/** Created once per command and passed down; library code never prints. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const dest =
    typeof options.destination === 'string'
      ? pino.destination({ fd: openLogFile(options.destination, options.refuseLinks === true), sync: true })
      : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  const level = options.level ?? DEFAULT_LOG_LEVEL;
  const streams = options.echo
    ? pino.multistream([
        { level: level as pino.Level, stream: dest },
        { level: options.echo.level as pino.Level, stream: options.echo.destination },
      ])
    : dest;
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Whatever a field or a message holds (a URL the gateway built, an echoed header), the key is taken out.
      formatters: { log: (object) => redactValue(object) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    streams,
  );
}

/** A logger that drops everything: the default when a library function is called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
