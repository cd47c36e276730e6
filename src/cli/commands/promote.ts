import { type Command, InvalidArgumentError, Option } from 'commander';
import { promoteCommand, type PromoteOptions } from '../../commands/promote.js';
import { JOB_ID_PATTERN } from '../../manifest/manifest-schema.js';
import { DURATIONS, QUALITIES, type Duration, type Quality } from '../../model/capabilities.js';
import { processIO } from '../io.js';

function parseIds(value: string): string[] {
  const ids = value.split(',').map((id) => id.trim()).filter((id) => id !== '');
  const bad = ids.filter((id) => !JOB_ID_PATTERN.test(id));
  if (ids.length === 0 || bad.length > 0) throw new InvalidArgumentError(`expected job ids (16 characters 0-9 a-f) separated by commas${bad.length > 0 ? `; not an id: ${bad.join(', ')}` : ''}`);
  return ids;
}

interface PromoteFlags {
  ids?: string[];
  picks?: string;
  quality?: Quality;
  duration?: string;
  audio?: boolean;
  output?: string;
}

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description('write a manifest that re-renders chosen takes of an output folder with their seed pinned (e.g. at 1080p), beside them')
    .argument('<out>', 'output folder holding ledger.json')
    .option('--ids <id,...>', 'the takes to re-render, by job id (comma-separated)', parseIds)
    .option('--picks <file>', 'the takes marked "favourite" in a picks.json (e.g. <out>/picks.json)')
    .addOption(new Option('--quality <q>', 'new quality (default: each take\'s own)').choices(QUALITIES))
    .addOption(new Option('--duration <s>', 'new duration in seconds (default: each take\'s own)').choices(DURATIONS.map(String)))
    .option('--audio', 'generate a sound track')
    .option('--no-audio', 'no sound track (default: each take\'s own)')
    .option('-o, --output <file>', 'write the manifest to this file (default: stdout)')
    .action(async (out: string, flags: PromoteFlags) => {
      const options: PromoteOptions = {
        ...(flags.ids !== undefined && { ids: flags.ids }),
        ...(flags.picks !== undefined && { picks: flags.picks }),
        ...(flags.quality !== undefined && { quality: flags.quality }),
        ...(flags.duration !== undefined && { duration: Number(flags.duration) as Duration }),
        ...(flags.audio !== undefined && { audio: flags.audio }),
        ...(flags.output !== undefined && { output: flags.output }),
        command: ['paiwo-batch', ...process.argv.slice(2)].join(' '),
      };
      process.exitCode = await promoteCommand(out, options, processIO());
    });
}
