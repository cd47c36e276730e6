import type { Command } from 'commander';
import { adoptCommand } from '../../commands/adopt.js';
import { processIO } from '../io.js';

export function registerAdopt(program: Command): void {
  program
    .command('adopt')
    .description('record a video id you found for a job held unknown or submitting, so the next run downloads it instead of paying again')
    .argument('<out>', 'output folder holding ledger.json')
    .argument('<job-id>', 'the job (as `status` lists it)')
    .argument('<video-id>', 'the video id (digits), from the DMXAPI console or a PAID BUT NOT RECORDED line')
    .action(async (out: string, jobId: string, videoId: string) => {
      process.exitCode = await adoptCommand(out, jobId, videoId, processIO());
    });
}
