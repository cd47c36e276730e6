import type { Command } from 'commander';
import { doctorCommand, type DoctorCommandOptions } from '../../commands/doctor.js';
import { DEFAULT_BASE_URL } from '../../commands/run.js';
import { parseJobTimeout, processIO } from '../io.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('free checks before a night\'s batch: key accepted, gateway answering its JSON, output folders writable with room, ffmpeg, Node; charges nothing')
    .argument('[paths...]', 'manifest files or globs (their output folders are checked)')
    .option('--base-url <url>', `API base URL (env DMXAPI_BASE_URL; default ${DEFAULT_BASE_URL})`)
    .option('--simulator', 'check against the built-in simulator (no key needed) and the rehearsal folders')
    .option('--out <dir>', 'the output folder of every manifest (as run --out)')
    .option('--timeout <seconds>', 'deadline of the free call to the service (default 15)', parseJobTimeout)
    .option('--json', 'print one JSON document on stdout')
    .action(async (paths: string[], options: DoctorCommandOptions) => {
      process.exitCode = await doctorCommand(paths, options, processIO());
    });
}
