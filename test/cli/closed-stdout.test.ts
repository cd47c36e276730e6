import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { CLI } from '../../bench/lib/cli-process.mjs';
import { it } from '../helpers/temp-dir.js';

describe('a reader that closes stdout early (| head)', () => {
  it('ends the command without a stack trace', async ({ tmp }) => {
    const manifest = join(tmp, 'wide.yaml');
    await writeFile(manifest, 'name: wide\ndefaults: {aspect_ratio: "16:9", quality: 360p, duration: 5}\nmatrix:\n  prompt: [a, b, c, d]\n  seed: { from: 1, count: 250 }\n');
    const child = spawn(process.execPath, [CLI, 'plan', manifest, '--json'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read one chunk, then close the pipe, as `head -c 100` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/\n\s+at |EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
