/**
 * The exact response texts of the service. JSON is written by hand around video ids so that an id is never a
 * JS number on its way out (ids above 2^53 stay exact), and field order matches the contract's samples.
 */
import type { ServerResponse } from 'node:http';

/** Business error messages, as the provider words them (shared/api/DMXAPI-PAIWO.md B.2). */
export const ERR_MSG: Readonly<Record<number, string>> = {
  400011: 'Empty parameter',
  400012: 'Invalid account',
  400013: 'Invalid binding request: incorrect parameter type or value',
  400017: 'Invalid parameter',
  400018: 'The length of the prompt exceeds 2048 characters',
  400019: 'The length of the negative prompt exceeds 2048 characters',
  400032: 'Invalid image ID',
  500008: 'Requested data not found',
  500030: 'Image size cannot exceed 20M 4000px*4000px',
  500032: 'Invalid image format',
  500042: 'Invalid image path',
  701009: 'You can only query your own generated or uploaded content',
  500020: 'No permission',
  500044: 'Reached the limit for concurrent generations',
  500054: 'The content may contain sensitive information, please modify and try again',
  500063: 'The prompt did not pass content moderation',
  500069: 'The system is currently under high load, please try again later',
  500090: 'Insufficient balance, unable to generate video',
  99999: 'Unknown error',
};

/** A business error: HTTP 200, `{"ErrCode":N,"ErrMsg":"...","Resp":{}}` (no `usage`: nothing was charged). */
export function businessErrorText(code: number, detail?: string): string {
  const msg = detail ? `${ERR_MSG[code] ?? 'Error'}: ${detail}` : (ERR_MSG[code] ?? 'Error');
  return `{"ErrCode":${code},"ErrMsg":${JSON.stringify(msg)},"Resp":{}}`;
}

/** A gateway (DMXAPI) error: a real HTTP status and an OpenAI-style body (B.3). */
export function gatewayErrorText(code: string, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message: `${message} (request id: ${requestId})`, type: 'rix_api_error', param: '' } });
}

/** An upload's answer (DMXAPI-FAMILY.md §2): the envelope with `img_id` (a number) and `img_url`, 0 tokens. */
export function uploadSuccessText(imgId: string, imgUrl: string): string {
  return (
    `{"ErrCode":0,"ErrMsg":"Success","Resp":{"img_id":${imgId},"img_url":${JSON.stringify(imgUrl)}},` +
    '"usage":{"total_tokens":0,"input_tokens":0,"input_tokens_details":{"cached_tokens":0},"output_tokens":0,"output_tokens_details":{"reasoning_tokens":0}}}'
  );
}

/** PixVerse-V6's flat submit answer (DMXAPI-FAMILY.md §5, §11): no ErrCode, no Resp. */
export function flatSubmitSuccessText(videoId: string, credits: number): string {
  const tokens = credits * 3000;
  return `{"video_id":${videoId},"credits":${credits},"usage":{"total_tokens":${tokens},"input_tokens":0,"input_tokens_details":{"cached_tokens":0},"output_tokens":${tokens},"output_tokens_details":{"reasoning_tokens":0}}}`;
}

/** The submit success body of A.1; `total_tokens` = `output_tokens` = credits × 3000. */
export function submitSuccessText(videoId: string, credits: number): string {
  const tokens = credits * 3000;
  return (
    `{"ErrCode":0,"ErrMsg":"success","Resp":{"video_id":${videoId},"credits":${credits}},` +
    `"usage":{"total_tokens":${tokens},"input_tokens":0,"input_tokens_details":{"cached_tokens":0},` +
    `"output_tokens":${tokens},"output_tokens_details":{"reasoning_tokens":0}}}`
  );
}

export interface FetchResp {
  readonly id: string;
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly url: string;
  readonly status: number;
  readonly seed: number;
  readonly createTime: string;
  readonly modifyTime: string;
  readonly width: number;
  readonly height: number;
  readonly hasAudio: boolean;
  readonly credits: number;
}

/** The fetch success body of A.2, fields in the sample's order. */
export function fetchSuccessText(r: FetchResp): string {
  return (
    `{"ErrCode":0,"ErrMsg":"Success","Resp":{"id":${r.id},"prompt":${JSON.stringify(r.prompt)},` +
    `"negative_prompt":${JSON.stringify(r.negativePrompt)},"url":${JSON.stringify(r.url)},"status":${r.status},` +
    `"seed":${r.seed},"create_time":"${r.createTime}","modify_time":"${r.modifyTime}",` +
    `"outputWidth":${r.width},"outputHeight":${r.height},"has_audio":${r.hasAudio},"credits":${r.credits}}}`
  );
}

const HTML_TITLES: Readonly<Record<number, string>> = { 500: '500 Internal Server Error', 502: '502 Bad Gateway', 504: '504 Gateway Time-out' };

/** The HTML page a proxy in front of the gateway answers with (B.3): clients must not choke on it. */
export function htmlErrorText(status: number): string {
  const title = HTML_TITLES[status] ?? `${status} Error`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(body.length), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  sendText(res, status, 'application/json; charset=utf-8', text, headers);
}

export function sendHtml(res: ServerResponse, status: number): void {
  sendText(res, status, 'text/html', htmlErrorText(status));
}

/** `2026-02-03T15:21:29Z`: whole seconds, as in the sample. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
