import { describe, expect, it } from 'vitest';
import { runCliOk } from '../../bench/lib/cli-process.mjs';
import { expandExpressions, paiwoInvocations, readmeWorkflow, readmeWorkflowText, type WorkflowStep } from './readme-workflow.js';


describe('the GitHub Actions workflow in docs/ci-and-shards.md', () => {
  const workflow = readmeWorkflow();
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const uses = (step: WorkflowStep, action: string) => step.uses?.startsWith(`${action}@`) === true;

  it('is valid YAML with a manual trigger that takes the manifest', () => {
    expect(readmeWorkflowText()).not.toContain('\t');
    expect(workflow.on.workflow_dispatch?.inputs?.manifest?.required).toBe(true);
  });

  it('runs the manifest as a matrix of shards, each uploading its output folder', () => {
    const [name, render] = Object.entries(workflow.jobs).find(([, job]) => job.strategy?.matrix?.shard) ?? [];
    expect(name).toBeDefined();
    const shards = render!.strategy!.matrix!.shard!;
    expect(shards).toEqual(shards.map((_, i) => i + 1));
    const runStep = render!.steps.find((s) => s.run?.includes('paiwo-batch run'));
    expect(runStep?.env?.DMXAPI_API_KEY).toBe('${{ secrets.DMXAPI_API_KEY }}');
    const [run] = paiwoInvocations(runStep!.run!);
    const shardArg = run!.args[run!.args.indexOf('--shard') + 1];
    expect(shardArg).toBe(`\${{matrix.shard}}/${shards.length}`);
    const out = run!.args[run!.args.indexOf('--out') + 1];
    const upload = render!.steps.find((s) => uses(s, 'actions/upload-artifact'));
    expect(upload?.uses).toBe('actions/upload-artifact@v4');
    const shard2 = { 'matrix.shard': '2' };
    expect(expandExpressions(String(upload?.with?.path), shard2)).toBe(expandExpressions(out!, shard2));
    expect(expandExpressions(String(upload?.with?.name), shard2)).toContain('2');
    // A workflow input reaches the shell through the environment, never pasted into the script.
    for (const step of steps) expect(step.run ?? '').not.toMatch(/\$\{\{\s*(inputs|github\.event)\./);
  });

  it('merges the shards in a final job that needs them and uploads the merged folder', () => {
    const [renderName] = Object.entries(workflow.jobs).find(([, job]) => job.strategy?.matrix?.shard) ?? [];
    const merge = Object.values(workflow.jobs).find((job) => job.steps.some((s) => s.run?.includes('paiwo-batch merge')));
    expect([merge?.needs].flat()).toContain(renderName);
    const download = merge!.steps.find((s) => uses(s, 'actions/download-artifact'));
    expect(download?.uses).toBe('actions/download-artifact@v4');
    const [mergeCall] = paiwoInvocations(merge!.steps.find((s) => s.run?.includes('paiwo-batch merge'))!.run!);
    expect(mergeCall!.args[0]?.startsWith(String(download?.with?.path))).toBe(true);
    const into = mergeCall!.args[mergeCall!.args.indexOf('--into') + 1];
    expect(merge!.steps.filter((s) => uses(s, 'actions/upload-artifact')).map((s) => s.with?.path)).toContain(into);
  });

  it('uses only commands and flags the CLI really has', async () => {
    const calls = steps.flatMap((s) => (s.run ? paiwoInvocations(s.run) : []));
    expect(calls.map((c) => c.command).sort()).toEqual(['merge', 'run', 'status']);
    for (const call of calls) {
      const help = await runCliOk([call.command, '--help']);
      expect(help.stdout, call.command).toContain(`Usage: paiwo-batch ${call.command}`);
      for (const flag of call.flags) expect(help.stdout, `${call.command} ${flag}`).toMatch(new RegExp(`(^|[\\s,])${flag}([\\s=<]|$)`, 'm'));
    }
  });
});
