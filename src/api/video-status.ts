import { field, idText, integerOf, numberOf, stringOf } from './read-json.js';
import { excerpt } from './answer-text.js';

export interface VideoStatus {
  /** Exact decimal string. */
  readonly videoId: string;
  /** 5 generating, 1 done, 7 moderated, 8 failed, 6 deleted, anything else unknown. */
  readonly status: number;
  /** Only meaningful when `ready` (then always an http(s) URL). A status-5 answer may already carry one. */
  readonly url: string | null;
  /**
   * Done as DMXAPI's own poll loops define it (contract B.9): status 1 AND a non-empty url AND outputWidth > 0.
   * A status-1 answer without them is "not yet": poll again.
   */
  readonly ready: boolean;
  readonly seed: number | null;
  readonly width: number;
  readonly height: number;
  readonly hasAudio: boolean;
  readonly credits: number | null;
  readonly createTime: string | null;
  readonly modifyTime: string | null;
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** A fetch's `Resp` (ErrCode 0) as a VideoStatus, or what is wrong with its shape. */
export function readVideoStatus(resp: Readonly<Record<string, unknown>> | undefined, videoId: string): VideoStatus | { readonly problem: string } {
  if (resp === undefined) return { problem: 'ErrCode 0 but no Resp object' };
  const id = idText(field(resp, 'id')) ?? idText(field(resp, 'video_id'));
  if (id !== undefined && id !== videoId) return { problem: `the answer is about video ${id}` };
  const status = integerOf(field(resp, 'status'));
  if (status === undefined) return { problem: 'Resp.status is not an integer' };
  const url = stringOf(field(resp, 'url'))?.trim() || null;
  // A finished video's URL is what the downloader will open: refuse file:, data:, javascript: here already.
  if (status === 1 && url !== null && !isHttpUrl(url)) return { problem: `done but its url is not http(s): "${excerpt(url, 80)}"` };
  const width = integerOf(field(resp, 'outputWidth')) ?? 0;
  const seed = integerOf(field(resp, 'seed'));
  const credits = numberOf(field(resp, 'credits'));
  return {
    videoId,
    status,
    url,
    ready: status === 1 && url !== null && width > 0,
    seed: seed ?? null,
    width,
    height: integerOf(field(resp, 'outputHeight')) ?? 0,
    hasAudio: field(resp, 'has_audio') === true,
    credits: credits ?? null,
    createTime: stringOf(field(resp, 'create_time')) ?? null,
    modifyTime: stringOf(field(resp, 'modify_time')) ?? null,
  };
}
