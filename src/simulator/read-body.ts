import type { IncomingMessage } from 'node:http';

/** An upload carries up to 20 MB of image as base64 (~26.7 MB); anything past this is refused with 413. */
export const MAX_BODY_BYTES = 28 * 1024 * 1024;

/** Reads a request body; `undefined` when it is larger than MAX_BODY_BYTES (the rest is drained). */
export function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
