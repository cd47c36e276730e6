/** The page's icon (a play triangle on a film frame): linked as a data: URL by the page, served as /favicon.ico by `review`. */
export const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="1" y="5" width="30" height="22" rx="4" fill="#0969da"/><path d="M13 10v12l10-6z" fill="#fff"/></svg>';

/** The report's inline stylesheet: constant, written here, never built from data. */
export const REPORT_STYLE = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --line: #d2d2d7; --bg: #fff; --card: #f5f5f7;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --info: #0969da; --fav: #d4a000; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --line: #424245; --bg: #111; --card: #1d1d1f; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--fg); background: var(--bg); }
body.viewing { overflow: hidden; }
header.top { padding: 12px 16px 6px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 12px 0 4px; }
h2 small, .meta, .hint, #shown, #saved { color: var(--muted); font-weight: normal; font-size: 13px; }
#saved.bad, .notice { color: var(--bad); }
.notice { border: 1px solid var(--bad); border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
dl { margin: 0; }
.totals { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.chip { display: flex; gap: 6px; padding: 2px 10px; border: 1px solid var(--line); border-radius: 999px; }
.chip dt { color: var(--muted); }
.chip dd { margin: 0; font-weight: 600; }
.axes { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 6px 0; align-items: center; }
#filter-box summary { cursor: pointer; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.filter { border: 1px solid var(--line); border-radius: 8px; padding: 2px 8px; margin: 0; max-height: 7em; max-width: 100%; overflow: auto; }
.filter legend { font-weight: 600; padding: 0 4px; }
.filter legend button { font-size: 11px; margin-left: 4px; }
.filter label { display: inline-block; margin-right: 10px; white-space: nowrap; }
.bar { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
main { padding: 8px 16px 40px; }
.axis { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
.prompts { max-width: 60em; }
.prompt { white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0; font-weight: normal; }
.negative { margin: 2px 0; color: var(--muted); font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.scroll { overflow: auto; max-width: 100%; }
table.grid { border-collapse: collapse; }
.grid th, .grid td { border: 1px solid var(--line); padding: 4px; vertical-align: top; text-align: left; }
.grid thead th { position: sticky; top: 0; background: var(--bg); white-space: nowrap; z-index: 1; }
.grid tbody th { position: sticky; left: 0; background: var(--bg); min-width: 100px; max-width: 240px; font-weight: normal; z-index: 1; }
td.none { background: repeating-linear-gradient(45deg, transparent 0 6px, var(--card) 6px 12px); min-width: 40px; }
.cell { display: flex; flex-wrap: wrap; gap: 4px; max-width: calc(var(--thumb) * 4 + 12px); }
.nocols .cell { max-width: none; }
figure.take .cmp { position: absolute; top: 2px; left: 2px; z-index: 2; min-width: 22px; height: 22px; padding: 0 4px; border-radius: 11px; border: 1px solid var(--line);
  background: var(--bg); color: var(--fg); font-size: 13px; line-height: 1; cursor: pointer; opacity: 0; }
figure.take:hover .cmp, figure.take:focus-within .cmp, figure.take.picked .cmp { opacity: .95; }
figure.take.picked { border-color: var(--info); }
figure.take.picked .cmp { background: var(--info); color: #fff; border-color: var(--info); }
@media (hover: none) { figure.take .cmp { opacity: .8; } }
.note { display: block; clear: both; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-style: italic; }
.tag { color: var(--info); font-weight: 600; }
.small figcaption { font-size: 10px; padding: 0 2px; min-height: 0; line-height: 1.2; }
.small .lbl, .small .note { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.small .badge { font-size: 11px; }
.small figure.take .cmp { left: auto; right: 1px; top: 1px; min-width: 14px; height: 14px; padding: 0 2px; font-size: 10px; border-radius: 7px; }
.small .grid thead th { white-space: normal; }
.small .grid tbody th { min-width: 60px; max-width: 160px; }
.small .cell { gap: 2px; }
figure.take.promoted:not(.m-favourite):not(.m-reject):not(.picked) { border-color: var(--info); border-style: dashed; }
body.viewing #compare-bar { left: auto; right: 12px; transform: none; }
.size button { min-width: 24px; }
#search { min-width: 14em; }
#compare-bar { position: fixed; bottom: 12px; left: 50%; transform: translateX(-50%); z-index: 12; display: flex; gap: 8px; align-items: center; flex-wrap: wrap;
  background: var(--bg); border: 1px solid var(--info); border-radius: 10px; padding: 6px 12px; box-shadow: 0 2px 12px rgba(0,0,0,.25); }
#compare-bar .bad { color: var(--bad); }
#compare { position: fixed; inset: 0; z-index: 13; background: var(--bg); display: flex; flex-direction: column; gap: 8px; padding: 10px; }
.c-top { display: flex; gap: 12px; align-items: center; }
.c-top #c-close { margin-left: auto; }
.c-panes { flex: 1 1 auto; min-height: 0; display: grid; gap: 8px; grid-template-columns: repeat(2, minmax(0, 1fr)); }
.c-panes.n3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.c-panes.n4 { grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-rows: repeat(2, minmax(0, 1fr)); }
.c-pane { margin: 0; min-width: 0; min-height: 0; display: flex; flex-direction: column; border: 1px solid var(--line); border-radius: 8px; padding: 4px; }
.c-pane video, .c-pane .v-ph { flex: 1 1 auto; min-height: 0; width: 100%; background: #000; object-fit: contain; }
.c-diff { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 13px; font-weight: 600; min-height: 1.4em; }
.c-pane figcaption { display: flex; gap: 6px; align-items: center; }
.c-controls { display: flex; gap: 10px; align-items: center; }
#c-seek { flex: 1 1 auto; }
.v-nav { gap: 6px; align-items: center; }
#v-prev, #v-next { font-size: 22px; min-width: 44px; min-height: 36px; }
figure.take { margin: 0; width: var(--thumb); min-width: 32px; background: var(--card); border-radius: 6px; overflow: hidden; border: 2px solid transparent; cursor: pointer; position: relative; }
figure.take:focus-visible { outline: 3px solid var(--info); }
.thumb, .v-ph { position: relative; width: 100%; aspect-ratio: 16 / 9; background: #000; }
.thumb img, .thumb video.hover { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; display: block; }
.ph { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 2px; padding: 4px;
  background: var(--card); color: var(--muted); font-size: 11px; text-align: center; overflow: hidden; overflow-wrap: anywhere; border-bottom: 1px dashed var(--line); }
.ph strong { text-transform: uppercase; letter-spacing: .05em; color: var(--fg); }
figcaption { padding: 2px 6px; font-size: 11px; min-height: 1.6em; }
.srcs img { height: 22px; width: auto; margin-left: 4px; vertical-align: middle; border: 1px solid #555; }
.sources img { max-height: 120px; max-width: 45%; margin: 4px 8px 4px 0; border: 1px solid #555; }
.srcname { margin-left: 4px; opacity: .7; }
.badge { float: right; font-size: 14px; line-height: 1; }
.m-favourite { border-color: var(--fav); }
.m-favourite .badge { color: var(--fav); }
.m-reject { opacity: .55; border-color: var(--bad); }
.m-reject .badge { color: var(--bad); }
.noted { float: right; margin-right: 4px; }
.s-succeeded { color: var(--ok); }
.s-failed, .s-moderated { color: var(--bad); }
.s-unknown, .s-skipped { color: var(--warn); }
figure.take.s-succeeded, figure.take.s-failed, figure.take.s-moderated, figure.take.s-unknown, figure.take.s-skipped { color: inherit; }
figure.s-failed:not(.m-favourite):not(.m-reject), figure.s-moderated:not(.m-favourite):not(.m-reject) { border-color: var(--bad); }
figure.s-unknown:not(.m-favourite):not(.m-reject), figure.s-skipped:not(.m-favourite):not(.m-reject) { border-color: var(--warn); }
.more, .nothing { color: var(--muted); padding: 12px; }
#viewer { position: fixed; inset: 0; z-index: 10; background: var(--bg); display: flex; gap: 12px; padding: 12px; }
.v-media { flex: 1 1 auto; display: flex; gap: 8px; min-width: 0; }
.v-pane { margin: 0; flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; }
.v-pane video, .v-pane .v-ph { width: 100%; max-height: calc(100vh - 70px); flex: 1 1 auto; background: #000; object-fit: contain; }
.v-side { flex: 0 0 340px; overflow: auto; }
.v-nav { display: flex; justify-content: space-between; color: var(--muted); }
.v-marks { display: flex; gap: 6px; margin: 6px 0; }
button.mark { font-size: 15px; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
button.mark.on[data-mark="favourite"] { background: var(--fav); color: #000; }
button.mark.on[data-mark="reject"] { background: var(--bad); color: #fff; }
#note { width: 100%; font: inherit; }
.record { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; font-size: 12px; margin-top: 6px; }
.record dt { color: var(--muted); }
.record dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
button.linkish { background: none; border: 0; padding: 0; color: var(--info); text-decoration: underline; cursor: pointer; font: inherit; }
.file { font-size: 12px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
@media (max-width: 700px) {
  header.top, main { padding-left: 8px; padding-right: 8px; }
  table.grid, .grid thead, .grid tbody, .grid tr, .grid th, .grid td { display: block; border: 0; padding: 2px 0; }
  .grid thead { display: none; }
  .grid tbody th { position: static; max-width: none; }
  .grid td[data-label]::before { content: attr(data-label); display: block; color: var(--muted); font-size: 11px; }
  .cell { max-width: none; }
  #viewer { flex-direction: column; overflow: auto; }
  .v-media { flex-direction: column; }
  .v-side { flex: none; }
  .c-panes, .c-panes.n3, .c-panes.n4 { grid-template-columns: minmax(0, 1fr); grid-template-rows: none; overflow: auto; }
  #compare { overflow: auto; }
}
`;
