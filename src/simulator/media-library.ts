/**
 * The MP4s the simulator serves: committed fixtures (fixtures/media, made by fixtures/make-media.sh), one per
 * quality × aspect ratio × audio, optionally padded to a requested size with a trailing ISO-BMFF `free` box.
 * The fixtures are faststart (moov before mdat), so the padded file stays a valid, playable MP4. Padding is
 * generated as a stream: a 1 GB file costs no memory.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AspectRatio, Quality } from '../model/capabilities.js';

/** fixtures/ sits two levels above both src/simulator and dist/simulator. */
export const MEDIA_DIR = fileURLToPath(new URL('../../fixtures/media/', import.meta.url));

const ZEROS = Buffer.alloc(256 * 1024);

/** One servable file: a fixture, plus a `free` box up to `size` bytes when padded. */
export interface MediaAsset {
  readonly key: string;
  readonly fixture: Buffer;
  /** The `free` box header, empty when not padded. */
  readonly padHeader: Buffer;
  readonly size: number;
}

export function fixtureName(quality: Quality, aspectRatio: AspectRatio | undefined, audio: boolean): string {
  // An image job has no aspect_ratio: it gets the 16:9 clip (the size its fetch reports, output-size.ts).
  const shape = aspectRatio ?? '16:9';
  return `${quality}-${shape.replace(':', 'x')}-${audio ? 'audio' : 'silent'}.mp4`;
}

function freeBoxHeader(boxBytes: number): Buffer {
  if (boxBytes <= 0xffffffff) {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(boxBytes, 0);
    h.write('free', 4, 'latin1');
    return h;
  }
  // ISO-BMFF "largesize": size field 1, then a 64-bit size after the type.
  const h = Buffer.alloc(16);
  h.writeUInt32BE(1, 0);
  h.write('free', 4, 'latin1');
  h.writeBigUInt64BE(BigInt(boxBytes), 8);
  return h;
}

/** Yields the bytes [start, end) of an asset, in slices of the fixture, the header and shared zeros. */
export function* assetChunks(asset: MediaAsset, start: number, end: number): Generator<Buffer> {
  const parts: Array<[Buffer, number]> = [
    [asset.fixture, 0],
    [asset.padHeader, asset.fixture.length],
  ];
  let pos = start;
  for (const [buf, offset] of parts) {
    const from = pos - offset;
    if (from >= 0 && from < buf.length && pos < end) {
      const to = Math.min(buf.length, end - offset);
      yield buf.subarray(from, to);
      pos = offset + to;
    }
  }
  const zerosStart = asset.fixture.length + asset.padHeader.length;
  while (pos < end) {
    if (pos < zerosStart) break; // unreachable: parts above cover it
    const n = Math.min(ZEROS.length, end - pos);
    yield ZEROS.subarray(0, n);
    pos += n;
  }
}

let shipped: Set<string> | undefined;

/**
 * Whether a video is one of the shipped clips, i.e. the simulator made it: how a ledger from before ledgers
 * recorded their service is recognised as a rehearsal's.
 */
export function isShippedClip(sha256: string): boolean {
  if (!shipped) {
    let names: string[] = [];
    try {
      names = readdirSync(MEDIA_DIR).filter((f) => f.endsWith('.mp4'));
    } catch {
      // An install without the fixtures: nothing can be recognised, and the ledger is taken as it is.
    }
    shipped = new Set(names.map((f) => createHash('sha256').update(readFileSync(`${MEDIA_DIR}/${f}`)).digest('hex')));
  }
  return shipped.has(sha256);
}

export class MediaLibrary {
  private readonly fixtures = new Map<string, Buffer>();
  private readonly hashes = new Map<string, string>();

  constructor(private readonly dir: string = MEDIA_DIR) {}

  private fixture(name: string): Buffer {
    let buf = this.fixtures.get(name);
    if (!buf) {
      buf = readFileSync(`${this.dir}/${name}`);
      this.fixtures.set(name, buf);
    }
    return buf;
  }

  /** The asset for a video; `size` pads it (ignored when smaller than the fixture plus a box header). */
  asset(quality: Quality, aspectRatio: AspectRatio | undefined, audio: boolean, size?: number): MediaAsset {
    const name = fixtureName(quality, aspectRatio, audio);
    const fixture = this.fixture(name);
    if (size === undefined || size < fixture.length + 16) {
      return { key: name, fixture, padHeader: Buffer.alloc(0), size: fixture.length };
    }
    return { key: `${name}@${size}`, fixture, padHeader: freeBoxHeader(size - fixture.length), size };
  }

  /** A rendered take (render-take.ts), served as is. */
  takeAsset(key: string, bytes: Buffer): MediaAsset {
    return { key: `take:${key}`, fixture: bytes, padHeader: Buffer.alloc(0), size: bytes.length };
  }

  /** sha256 of a full download of the asset; computed once per fixture and size (a padded one streams through). */
  sha256(asset: MediaAsset): string {
    let hex = this.hashes.get(asset.key);
    if (!hex) {
      const hash = createHash('sha256');
      for (const chunk of assetChunks(asset, 0, asset.size)) hash.update(chunk);
      hex = hash.digest('hex');
      this.hashes.set(asset.key, hex);
    }
    return hex;
  }
}
