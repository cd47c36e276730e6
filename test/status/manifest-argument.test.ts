import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { statusCommand } from '../../src/commands/status.js';
import { reportCommand } from '../../src/commands/report.js';
import { reviewCommand } from '../../src/commands/review.js';
import { NOT_AN_OUTPUT_FOLDER } from '../../src/commands/output-folder-arg.js';
import { UserError } from '../../src/errors/paiwo-error.js';
import { bufferedIO } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';

const MANIFEST = 'name: night\ndefaults: { aspect_ratio: "16:9", quality: 360p, duration: 5 }\nmatrix:\n  prompt: [a cat]\n';

/** The usage error a command throws for `arg`, or a failure when it throws none. */
async function refusal(command: Promise<number>): Promise<UserError> {
  const error = await command.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('status, report and review given a manifest instead of an output folder', () => {
  it('say it is a manifest and name its output folders, exit 2 (not 7 "cannot write …/ledger.json")', async ({ tmp }) => {
    const file = join(tmp, 'night.yaml');
    await writeFile(file, MANIFEST);
    const commands = [() => statusCommand(file, {}, bufferedIO()), () => reportCommand(file, bufferedIO()), () => reviewCommand(file, { until: Promise.resolve() }, bufferedIO())];
    for (const command of commands) {
      const error = await refusal(command());
      expect(error.code).toBe(NOT_AN_OUTPUT_FOLDER);
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('is a manifest, not an output folder');
      expect(error.message).toContain(`${join('output', 'night')}/ (a run`);
      expect(error.message).toContain(`${join('output', 'night.rehearsal')}/ (a rehearsal`);
    }
  });

  it('name the folder run.out gives, and recognise a manifest by its content whatever its name', async ({ tmp }) => {
    const file = join(tmp, 'night.txt');
    await writeFile(file, `${MANIFEST}run: { out: ${JSON.stringify(join(tmp, 'renders'))} }\n`);
    const error = await refusal(statusCommand(file, {}, bufferedIO()));
    expect(error.message).toContain(`${join(tmp, 'renders')}/ (a run, not written yet) or ${join(tmp, 'renders.rehearsal')}/`);
  });

  it('a .yaml that does not validate is still said to be a manifest; any other file is not a folder; ledger.json points at its folder', async ({ tmp }) => {
    await writeFile(join(tmp, 'broken.yaml'), 'defaults: [\n');
    expect((await refusal(statusCommand(join(tmp, 'broken.yaml'), {}, bufferedIO()))).message).toMatch(/looks like a manifest .*output\/broken\//);
    await writeFile(join(tmp, 'notes.md'), '# notes\n');
    expect((await refusal(statusCommand(join(tmp, 'notes.md'), {}, bufferedIO()))).message).toContain('is a file, not an output folder');
    await writeFile(join(tmp, 'ledger.json'), '{}');
    const ledger = await refusal(statusCommand(join(tmp, 'ledger.json'), {}, bufferedIO()));
    expect(ledger.message).toContain(`paiwo-batch status ${tmp}`);
  });

  it('through the CLI: exit 2 and one line; paiwo-batch with no arguments fails with the help on stderr', async () => {
    const status = await runCli(['status', 'manifests/demo.yaml']);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^paiwo-batch: manifests\/demo\.yaml is a manifest, not an output folder; status reads the folder a run of it writes: output\/demo\/ \(a run.*output\/demo\.rehearsal\/ \(a rehearsal/);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: paiwo-batch');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
  });
});
