/** Reads what a report page embeds: the data its script renders from, decoded into one object per take. */
export interface PageTake {
  id: string;
  status: string;
  src: string | null;
  poster: string | null;
  file: string;
  video_id: string | null;
  error: { code: string | number; message: string } | null;
  promoted_from: string | null;
  request: Record<string, unknown>;
  axes: Record<string, string>;
}

export interface PageData {
  raw: {
    version: number;
    review: boolean;
    ffmpeg: boolean;
    axes: { name: string; values: string[] }[];
    picks: unknown;
    takes: unknown[][];
  };
  takes: PageTake[];
}

export function dataJson(page: string): string {
  return /<script type="application\/json" id="paiwo-data">([^]*?)<\/script>/.exec(page)?.[1] ?? 'null';
}

/** The page without its embedded JSON: the markup a browser parses as HTML. */
export function markupOf(page: string): string {
  return page.replace(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/g, '');
}

export function readPageData(page: string): PageData {
  const raw = JSON.parse(dataJson(page));
  const takes = (raw.takes as unknown[][]).map((row) => {
    const t = Object.fromEntries((raw.fields as string[]).map((f, i) => [f, row[i]])) as Record<string, unknown>;
    const request = { ...(raw.requests[t.req as number] as Record<string, unknown>) };
    if (t.request_seed !== null) request.seed = t.request_seed;
    const axes: Record<string, string> = {};
    (raw.axes as { name: string; values: string[] }[]).forEach((a, i) => {
      const v = (t.axes as number[])[i]!;
      if (v >= 0) axes[a.name] = a.values[v]!;
    });
    return { ...t, status: raw.statuses[t.status as number], request, axes } as unknown as PageTake;
  });
  return { raw, takes };
}
