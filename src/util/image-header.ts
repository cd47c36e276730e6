/**
 * What an image file is by its bytes, not its name: PNG, JPEG or WebP with its pixel size, or what else it
 * looks like. Reads the header only (PNG's IHDR, JPEG's first SOF marker, WebP's VP8/VP8L/VP8X chunk).
 */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

export type ImageHeader =
  | { readonly format: ImageFormat; readonly width: number; readonly height: number }
  | { readonly format?: undefined; readonly problem: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function otherKind(b: Buffer): string {
  const ascii = b.subarray(0, 12).toString('latin1');
  if (ascii.startsWith('GIF8')) return 'a GIF';
  if (ascii.startsWith('BM')) return 'a BMP';
  if (ascii.startsWith('%PDF')) return 'a PDF';
  if (ascii.slice(4, 12).includes('ftyp')) return 'an HEIC/AVIF or video file';
  if (ascii.startsWith('II*') || ascii.startsWith('MM\u0000*')) return 'a TIFF';
  return 'not an image this tool knows';
}

function png(b: Buffer): ImageHeader {
  if (b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') return { problem: 'a PNG without a readable header (damaged or cut short)' };
  return { format: 'png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function jpeg(b: Buffer): ImageHeader {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return { problem: 'a JPEG whose markers cannot be read (damaged)' };
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: b.readUInt16BE(at + 5), width: b.readUInt16BE(at + 7) };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    at += 2 + b.readUInt16BE(at + 2);
  }
  return { problem: 'a JPEG without a frame header (damaged or cut short)' };
}

function webp(b: Buffer): ImageHeader {
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b.length >= 30) return { format: 'webp', width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b.readUInt32LE(21);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return { problem: 'a WebP without a readable header (damaged or cut short)' };
}

/** The format and size of an image from its first bytes (64 KiB is plenty: a JPEG's SOF follows its EXIF). */
export function readImageHeader(bytes: Buffer): ImageHeader {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return png(bytes);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpeg(bytes);
  if (bytes.length >= 16 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return webp(bytes);
  return { problem: otherKind(bytes) };
}
