/**
 * Text shown on a terminal comes from files (ledgers, manifests) and from the service; a control character in it
 * would be obeyed by the terminal (ESC sequences recolour, move the cursor, set the window title with OSC, C1 CSI
 * does the same in one byte). Everything printed passes through one of these helpers, which make every such
 * character visible instead (`\x1b`, `\u009b`), so nothing is lost and nothing is obeyed. Secrets are redacted
 * first (redact.ts): whatever a file or the service holds, the API key is never printed.
 */
import { redact } from './redact.js';

/** C0 controls except tab and line feed, DEL, C1 controls, and the bidirectional overrides/isolates. */
const CONTROL_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, tab and line feed included: for text that must stay on one line. */
const CONTROL_ANY = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal may obey: C1 controls and bidirectional controls. */
const JSON_RAW_CONTROL = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Multi-line text for a terminal: lines and tabs stay, every other control character is shown escaped. */
export function printable(text: string): string {
  return redact(text).replace(CONTROL_KEEPING_LINES, visible);
}

/**
 * A service message folded onto one line of a list: runs of control characters (line breaks, escapes) become one
 * space. What is printed still goes through `printable`.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** One line for a terminal: every control character, line breaks included, is shown escaped. */
export function printableLine(text: string): string {
  return redact(text).replace(CONTROL_ANY, visible);
}

/**
 * JSON text for stdout: JSON.stringify already escapes C0, but not C1 or bidi controls; these become `\u` escapes,
 * so the document still parses to the same values.
 */
export function printableJson(json: string): string {
  return redact(json).replace(JSON_RAW_CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
