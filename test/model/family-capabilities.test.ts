import { describe, expect, it } from 'vitest';
import { checkRequest, modeOfKeys, type SubmitRequest } from '../../src/model/capabilities.js';
import { estimateCredits } from '../../src/model/prices.js';
import { readImageHeader } from '../../src/util/image-header.js';
import { gifBytes, jpegBytes, pngBytes, webpBytes } from '../helpers/images.js';

const errors = (r: Partial<SubmitRequest> & { model: string }, mode?: Parameters<typeof checkRequest>[1]): string[] =>
  checkRequest({ input: 'x', quality: '540p', duration: 5, ...r } as SubmitRequest, mode).filter((v) => v.severity === 'error').map((v) => `${v.field}: ${v.message}`);

describe('the family rows of the capability table (issue 23)', () => {
  it('V6 and C1 take any whole second 1–15 at every quality; v5.6 keeps 5/8/10', () => {
    for (const model of ['PixVerse-V6', 'PixVerse-C1']) {
      expect(errors({ model, aspect_ratio: '16:9', duration: 1, quality: '1080p' })).toEqual([]);
      expect(errors({ model, aspect_ratio: '16:9', duration: 15 })).toEqual([]);
      expect(errors({ model, aspect_ratio: '16:9', duration: 16 })).toEqual([expect.stringMatching(/^duration: duration 16s is not allowed at 540p for PixVerse-.. \(allowed: 1–15\)/)]);
    }
    expect(errors({ model: 'paiwo-v5.6-itv', duration: 7 }, 'image')).toEqual([expect.stringContaining('allowed: 5, 8, 10')]);
  });

  it('21:9 is V6 only; C1 takes motion_mode normal only; fast is never 8 s on V6', () => {
    expect(errors({ model: 'PixVerse-V6', aspect_ratio: '21:9' })).toEqual([]);
    expect(errors({ model: 'PixVerse-C1', aspect_ratio: '21:9' })).toEqual([expect.stringContaining('aspect_ratio')]);
    expect(errors({ model: 'paiwo-v5.6-ttv', aspect_ratio: '21:9' })).toEqual([expect.stringContaining('aspect_ratio')]);
    expect(errors({ model: 'PixVerse-C1', aspect_ratio: '1:1', motion_mode: 'fast' })).toEqual(['motion_mode: PixVerse-C1 accepts motion_mode "normal" only, not "fast"']);
    expect(errors({ model: 'PixVerse-V6', aspect_ratio: '1:1', motion_mode: 'fast', duration: 8 })).toEqual([expect.stringContaining('does not support 8s')]);
  });

  it('each model runs its own modes; an image or first/last job takes no aspect_ratio', () => {
    expect(errors({ model: 'paiwo-v5.6-ttv', aspect_ratio: '16:9' }, 'image')).toEqual([expect.stringMatching(/^model: paiwo-v5\.6-ttv takes no image .*exclude this combination/)]);
    expect(errors({ model: 'paiwo-v5.6-itv' }, 'text')).toEqual([expect.stringMatching(/^model: paiwo-v5\.6-itv needs an image/)]);
    expect(errors({ model: 'paiwo-v5.6-itv2' }, 'image')).toEqual([expect.stringMatching(/takes no image/)]);
    expect(errors({ model: 'paiwo-v5.6-itv' }, 'first-last')).toEqual([expect.stringMatching(/takes no first\/last frames .*paiwo-v5\.6-itv2/)]);
    for (const mode of ['text', 'image', 'first-last'] as const) expect(errors({ model: 'PixVerse-V6', ...(mode === 'text' && { aspect_ratio: '16:9' as const }) }, mode)).toEqual([]);
    expect(errors({ model: 'PixVerse-V6', aspect_ratio: '16:9' }, 'image')).toEqual(['aspect_ratio: aspect_ratio cannot be set on an image job: the frame follows the image']);
    // On the wire the mode follows the ids: the simulator reads it so.
    expect(errors({ model: 'paiwo-v5.6-ttv', aspect_ratio: '16:9', img_id: 1 })).toEqual([expect.stringContaining('takes no image')]);
    expect(modeOfKeys(new Set(['image', 'first_frame']))).toBeUndefined();
    expect(modeOfKeys(new Set(['last_frame']))).toBeUndefined();
    expect(modeOfKeys(new Set(['first_frame', 'last_frame']))).toBe('first-last');
  });

  it('prices: v5.6 image jobs as text jobs, V6 and C1 per second (silent / audio)', () => {
    const p = (model: string, quality: SubmitRequest['quality'], duration: number, audio: boolean): number | undefined => estimateCredits({ model, quality, duration, generate_audio_switch: audio });
    expect([p('paiwo-v5.6-ttv', '540p', 10, true), p('paiwo-v5.6-itv', '540p', 10, true), p('paiwo-v5.6-itv2', '540p', 5, true)]).toEqual([122, 122, 80]);
    expect([p('PixVerse-V6', '540p', 5, true), p('PixVerse-V6', '720p', 5, false), p('PixVerse-V6', '1080p', 15, true)]).toEqual([45, 45, 345]);
    expect([p('PixVerse-C1', '540p', 5, true), p('PixVerse-C1', '720p', 5, true), p('PixVerse-C1', '360p', 1, false)]).toEqual([50, 65, 6]);
    expect(p('paiwo-v5.6-itv', '1080p', 10, false)).toBeUndefined();
  });
});

describe('image headers, by bytes', () => {
  it('reads PNG, JPEG and WebP (VP8X, VP8L, VP8) sizes and names what else a file is', () => {
    expect(readImageHeader(pngBytes(640, 360))).toEqual({ format: 'png', width: 640, height: 360 });
    expect(readImageHeader(jpegBytes(300, 4100))).toEqual({ format: 'jpeg', width: 300, height: 4100 });
    expect(readImageHeader(webpBytes(5000, 20))).toEqual({ format: 'webp', width: 5000, height: 20 });
    const vp8l = Buffer.alloc(30);
    vp8l.write('RIFF', 0, 'latin1');
    vp8l.write('WEBPVP8L', 8, 'latin1');
    vp8l[20] = 0x2f;
    vp8l.writeUInt32LE(((100 - 1) & 0x3fff) | (((50 - 1) & 0x3fff) << 14), 21);
    expect(readImageHeader(vp8l)).toEqual({ format: 'webp', width: 100, height: 50 });
    const vp8 = Buffer.alloc(30);
    vp8.write('RIFF', 0, 'latin1');
    vp8.write('WEBPVP8 ', 8, 'latin1');
    vp8.writeUInt16LE(320, 26);
    vp8.writeUInt16LE(240, 28);
    expect(readImageHeader(vp8)).toEqual({ format: 'webp', width: 320, height: 240 });
    expect(readImageHeader(gifBytes())).toEqual({ problem: 'a GIF' });
    expect(readImageHeader(Buffer.from('hello'))).toEqual({ problem: 'not an image this tool knows' });
    expect(readImageHeader(pngBytes(4, 4).subarray(0, 12))).toMatchObject({ problem: expect.stringContaining('PNG') });
  });
});
