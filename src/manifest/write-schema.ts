import { mkdir, writeFile } from 'node:fs/promises';
import { renderManifestJsonSchema } from './manifest-json-schema.js';

/** `npm run schema`: regenerates schemas/manifest.schema.json (a test fails while it is out of date). */
const target = new URL('../../schemas/manifest.schema.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, renderManifestJsonSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
