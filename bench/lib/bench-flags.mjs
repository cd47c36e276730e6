// The benchmarks' flags, read one way: node's util.parseArgs in strict mode, so a mistyped flag stops a bench
// that would otherwise run for minutes with its default. Numbers are checked; a string flag with a `bare` value
// may be given alone (`--profile` means `--profile /tmp/paiwo-prof`).
import { parseArgs } from 'node:util';

/**
 * @param {Record<string, { type: 'boolean' } | { type: 'number' } | { type: 'string', bare?: string }>} spec by
 *   flag name without its dashes, e.g. `{ 'time-scale': { type: 'number' }, big: { type: 'boolean' } }`
 * @param {string[]} [argv]
 * @returns {Record<string, any>} each flag's value (a number for `number`), undefined when not given
 */
export function readFlags(spec, argv = process.argv.slice(2)) {
  const args = [...argv];
  for (const [name, flag] of Object.entries(spec)) {
    const at = args.indexOf(`--${name}`);
    if (flag.type === 'string' && flag.bare !== undefined && at >= 0 && !/^[^-]/.test(args[at + 1] ?? '')) args.splice(at + 1, 0, flag.bare);
  }
  const options = Object.fromEntries(Object.entries(spec).map(([name, flag]) => [name, { type: flag.type === 'boolean' ? 'boolean' : 'string' }]));
  const { values } = parseArgs({ args, options, strict: true });
  for (const [name, flag] of Object.entries(spec)) {
    if (flag.type !== 'number' || values[name] === undefined) continue;
    const n = Number(values[name]);
    if (!Number.isFinite(n)) throw new Error(`--${name} takes a number, not "${values[name]}"`);
    values[name] = n;
  }
  return values;
}
