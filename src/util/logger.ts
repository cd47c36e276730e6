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

export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: string;
  /** Where JSON lines go. @default stderr */
  readonly destination?: DestinationStream | string;
}

/** Created once per command and passed down; library code never prints. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const dest =
    typeof options.destination === 'string'
      ? pino.destination({ dest: options.destination, mkdir: true, sync: true })
      : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
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
    dest,
  );
}

/** A logger that drops everything: the default when a library function is called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
