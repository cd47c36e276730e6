import * as z from 'zod';
import { manifestSchema } from './manifest-schema.js';

/**
 * The JSON Schema editors use to complete and check manifests (`# yaml-language-server: $schema=…`), generated
 * from the zod schema so the two never disagree. Draft-07: what YAML editors support best. It describes what a
 * person writes (`io: input`), so keys with defaults are optional. Checks that only code can make (templates,
 * the capability table, include/exclude) are left to `paiwo-batch validate`.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
}

/** The committed file's exact text. */
export function renderManifestJsonSchema(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}
