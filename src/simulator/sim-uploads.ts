import { createHash } from 'node:crypto';
import { capabilitiesOf, type SubmitRequest, type UploadFamily } from '../model/capabilities.js';
import { readImageHeader } from '../util/image-header.js';

/** The upload limits the provider states (DMXAPI-FAMILY.md §2, ErrCode 500030). */
const MAX_BYTES = 20 * 1024 * 1024;
const MAX_SIDE = 4000;
/** Where each family's ids start: two id spaces that never overlap (the samples' ids are near these). */
const FIRST_ID: Readonly<Record<UploadFamily, bigint>> = { 'paiwo-picture': 177_602_101n, 'pixverse-picture': 382_641_012n };

export type UploadResult = { readonly imgId: string; readonly imgUrl: string } | { readonly errCode: number; readonly detail: string };

/**
 * The account's uploaded images, one id space per upload model (`paiwo-picture` for paiwo-v5.6-*,
 * `pixverse-picture` for PixVerse-*): an id of the other space is refused with 701009, an unknown one with
 * 400032. Counts what was uploaded, by family and by the sha256 of the bytes, for tests. Not persisted: a
 * restarted simulator has forgotten every image, as a service whose ids expired would have.
 */
export class SimUploads {
  private readonly images = new Map<string, { readonly family: UploadFamily; readonly sha256?: string }>();
  /** The bytes of each image uploaded as bytes, by sha256: a rehearsal's take of an image job shows its image. */
  private readonly bytes = new Map<string, Buffer>();
  private readonly next: Record<UploadFamily, bigint> = { ...FIRST_ID };
  readonly count: Record<UploadFamily, number> = { 'paiwo-picture': 0, 'pixverse-picture': 0 };
  /** Uploads that got as far as reading the image (refused ones included). */
  attempts = 0;
  /** `<family>:<sha256 of the bytes, or of the URL>` → uploads. */
  readonly bySource = new Map<string, number>();

  /** `moderationWords`: an image URL naming one fails image moderation (500054), as a refused picture would. */
  upload(family: UploadFamily, body: Record<string, unknown>, baseUrl: string, moderationWords: readonly string[] = []): UploadResult {
    const input = body.input;
    if (typeof input !== 'string' || input === '') return { errCode: 400011, detail: 'input is required' };
    let key: string;
    let sha256: string | undefined;
    if (input === 'url') {
      const url = body.image_url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return { errCode: 500042, detail: 'image_url is not a URL' };
      this.attempts++;
      if (moderationWords.some((w) => url.toLowerCase().includes(w.toLowerCase()))) return { errCode: 500054, detail: 'image moderation failure, please replace with another image' };
      key = createHash('sha256').update(url).digest('hex');
    } else {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input)) return { errCode: 500032, detail: 'input is not base64 (no data: prefix)' };
      const bytes = Buffer.from(input, 'base64');
      this.attempts++;
      if (bytes.length > MAX_BYTES) return { errCode: 500030, detail: `${bytes.length} bytes` };
      const header = readImageHeader(bytes);
      if (header.format === undefined) return { errCode: 500032, detail: header.problem };
      if (Math.max(header.width, header.height) > MAX_SIDE) return { errCode: 500030, detail: `${header.width}×${header.height}` };
      key = sha256 = createHash('sha256').update(bytes).digest('hex');
      this.bytes.set(sha256, bytes);
    }
    const id = this.next[family].toString();
    this.next[family] += 7n;
    this.images.set(id, { family, ...(sha256 !== undefined && { sha256 }) });
    this.count[family]++;
    this.bySource.set(`${family}:${key}`, (this.bySource.get(`${family}:${key}`) ?? 0) + 1);
    return { imgId: id, imgUrl: `${baseUrl}/media/openapi/${key.slice(0, 32)}_auto.png` };
  }

  /** The ErrCode a submit's image ids earn (400032 unknown, 701009 the other family's), or `undefined`. */
  check(request: SubmitRequest): { errCode: number; detail: string } | undefined {
    const family = capabilitiesOf(request.model)?.uploadFamily;
    for (const field of ['img_id', 'first_frame_img', 'last_frame_img'] as const) {
      const id = request[field];
      if (id === undefined) continue;
      const owner = this.images.get(String(id))?.family;
      if (owner === undefined) return { errCode: 400032, detail: `${field} ${id}` };
      if (owner !== family) return { errCode: 701009, detail: `${field} ${id} was uploaded with ${owner}` };
    }
    return undefined;
  }

  /** The sha256 of the image a request animates (its `img_id`, else its first frame), when it was uploaded as bytes. */
  imageOf(request: SubmitRequest): string | undefined {
    const id = request.img_id ?? request.first_frame_img;
    return id === undefined ? undefined : this.images.get(String(id))?.sha256;
  }

  bytesOf(sha256: string): Buffer | undefined {
    return this.bytes.get(sha256);
  }
}
