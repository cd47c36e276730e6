import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface WorkflowStep {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export interface Workflow {
  readonly name: string;
  readonly on: { workflow_dispatch?: { inputs?: Record<string, { required?: boolean; default?: string }> } };
  readonly jobs: Record<string, { needs?: string | string[]; if?: string; strategy?: { matrix?: Record<string, unknown[]> }; steps: WorkflowStep[] }>;
}

/** The ```yaml block under docs/ci-and-shards.md's "Running in CI" heading, as text. */
export function readmeWorkflowText(root = process.cwd()): string {
  const readme = readFileSync(join(root, 'docs', 'ci-and-shards.md'), 'utf8');
  const start = readme.indexOf('\n## Running in CI');
  if (start === -1) throw new Error('docs/ci-and-shards.md has no "## Running in CI" section');
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next === -1 ? undefined : next);
  const block = /```yaml\n([^]*?)\n```/.exec(section);
  if (!block?.[1]) throw new Error('the "Running in CI" section has no ```yaml block');
  return block[1];
}

export function readmeWorkflow(root?: string): Workflow {
  return parse(readmeWorkflowText(root)) as Workflow;
}

export interface PaiwoInvocation {
  readonly command: string;
  /** Long flags as written, without values, e.g. `--shard`. */
  readonly flags: readonly string[];
  /** Everything after the command name, split on spaces (`${{ x }}` expressions kept whole, as `${{x}}`). */
  readonly args: readonly string[];
}

/** Every `paiwo-batch <command> ...` in a step's shell script (one command per line; `&&` chains split). */
export function paiwoInvocations(script: string): PaiwoInvocation[] {
  const out: PaiwoInvocation[] = [];
  const normalised = script.replace(/\$\{\{\s*(.*?)\s*\}\}/g, '${{$1}}');
  for (const part of normalised.split(/\n|&&|;/)) {
    const m = /(?:^|\s)paiwo-batch\s+(\S+)(.*)$/.exec(part.trim());
    if (!m?.[1]) continue;
    const args = (m[2] ?? '').trim().split(/\s+/).filter(Boolean);
    out.push({ command: m[1], args, flags: args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0] ?? a) });
  }
  return out;
}

/** Replaces each `${{ expr }}` with its value, as the runner would; an expression without a value is an error. */
export function expandExpressions(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const value = values[expr];
    if (value === undefined) throw new Error(`no value for \${{ ${expr} }}`);
    return value;
  });
}
