import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { EXIT } from '../../src/errors/exit-codes.js';
import { it } from '../helpers/temp-dir.js';

/**
 * docs/cli.md is the reference of every command: its flags, the exit codes and the `--json` shapes. This test
 * holds it to the CLI as built, both ways: a flag, code or field on one side only fails.
 */
const DOC = readFileSync('docs/cli.md', 'utf8');

/** The text under `## <heading>` up to the next `## `. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

/** Long flags in a section's table rows (`| \`--flag <v>\` | … |`, `| \`-o, --output <f>\` | … |`). */
function documentedFlags(heading: string): string[] {
  return [...section(DOC, heading).matchAll(/^\| `(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!).sort();
}

/** Long flags in `--help`'s Options (up to the blank line that ends them), without --help itself. */
function helpFlags(help: string): string[] {
  const start = help.indexOf('\nOptions:');
  const end = help.indexOf('\n\n', start + 1);
  const options = help.slice(start, end === -1 ? undefined : end);
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((f) => f !== '--help').sort();
}

function commandsOfHelp(help: string): string[] {
  const list = help.slice(help.indexOf('\nCommands:'));
  return [...list.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

function codesOf(text: string): number[] {
  return [...section(text, 'Exit codes').matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/** The JSON example of a command's section. */
function documentedJson(heading: string): Record<string, unknown> {
  const block = /```json\n([^]*?)\n```/.exec(section(DOC, heading));
  if (!block) throw new Error(`"## ${heading}" has no json example`);
  return JSON.parse(block[1]!) as Record<string, unknown>;
}

type Shape = Map<string, string[]>;

/** The keys of a document, of its objects and of its arrays' elements (all of them together), by path. */
function shapeOf(value: unknown, path = '$', into: Shape = new Map()): Shape {
  if (Array.isArray(value)) {
    for (const element of value) shapeOf(element, `${path}[]`, into);
  } else if (value !== null && typeof value === 'object' && !(path.endsWith('.request'))) {
    const keys = Object.keys(value).sort();
    into.set(path, [...new Set([...(into.get(path) ?? []), ...keys])].sort());
    for (const k of keys) shapeOf((value as Record<string, unknown>)[k], `${path}.${k}`, into);
  }
  return into;
}

/** Documented and actual shapes agree on every path the actual documents reached. */
function expectSameShape(documented: Record<string, unknown>, actuals: readonly unknown[]): void {
  const doc = shapeOf(documented);
  const real: Shape = new Map();
  for (const a of actuals) shapeOf(a, '$', real);
  for (const [path, keys] of real) expect(doc.get(path), `documented keys at ${path}`).toEqual(keys);
  expect([...doc.keys()].filter((p) => !real.has(p) && !p.includes('[]')), 'documented objects never seen').toEqual([]);
}

const MANIFEST = `name: ref
defaults: {aspect_ratio: "16:9", quality: 360p, duration: 5}
matrix:
  prompt: [a red kite, a blue kite, a forbidden kite]
  seed: [1, 2]
  include:
    - { prompt: a green kite, seed: 3, from: "0123456789abcdef" }
run: {out: out/ref, max_credits: 100000}
`;

describe('docs/cli.md holds to the CLI', () => {
  it('documents every command and exactly the flags each one takes', async () => {
    const top = await runCli(['--help']);
    const commands = commandsOfHelp(top.stdout);
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) {
      const help = await runCli([command, '--help']);
      expect(documentedFlags(command), `flags of ${command}`).toEqual(helpFlags(help.stdout));
    }
  });

  it('lists the exit codes the tool has, here and in the README', () => {
    const codes = [...new Set(Object.values(EXIT))].sort((a, b) => a - b);
    expect(codesOf(DOC)).toEqual(codes);
    expect(codesOf(readFileSync('README.md', 'utf8'))).toEqual(codes);
  });

  it('shows the --json shapes that validate, plan, run and status print', async ({ tmp }) => {
    const manifest = join(tmp, 'ref.yaml');
    await writeFile(manifest, MANIFEST);
    const json = async (args: string[]) => JSON.parse((await runCli(args, { cwd: tmp })).stdout) as unknown;
    expectSameShape(documentedJson('validate'), [await json(['validate', manifest, '--json'])]);
    const plans = [['--shard', '1/1'], ['--shard', '1/2'], ['--simulator']].map((more) => json(['plan', manifest, '--json', ...more]));
    expectSameShape(documentedJson('plan'), await Promise.all(plans));
    const run = await json(['run', manifest, '--simulator', '--json', '--no-progress']);
    expectSameShape(documentedJson('run'), [run]);
    expectSameShape(documentedJson('status'), [await json(['status', 'out/ref.rehearsal', '--json'])]);
  });
});
