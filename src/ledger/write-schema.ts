import { mkdir, writeFile } from 'node:fs/promises';
import { renderLedgerJsonSchema } from './json-schema.js';

/** `npm run schema`: regenerates schemas/ledger.schema.json (a test fails while it is out of date). */
const target = new URL('../../schemas/ledger.schema.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, renderLedgerJsonSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
