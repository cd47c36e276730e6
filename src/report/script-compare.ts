/**
 * The compare part of the report's inline script: 2–4 takes picked from the grid (the + on a card) or from full
 * screen (the compare button, key c), then played side by side in sync under one play / pause / seek control,
 * each headed by the settings in which it differs from the others. The open compare is the hash's
 * `compare=<id>,<id>,…`; its videos are the only ones it loads. DOM calls only; no backticks or `${` inside.
 */
export const REPORT_SCRIPT_COMPARE = String.raw`
// The takes picked for the next compare, in the order they were picked.
let picked = [];
const compareBar = el('div', { id: 'compare-bar', hidden: true });
document.body.append(compareBar);
const comparer = el('div', { id: 'compare', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'compare takes', hidden: true });
document.body.append(comparer);
let compareNote = '';
function togglePick(id) {
  const at = picked.indexOf(id);
  compareNote = '';
  if (at >= 0) picked.splice(at, 1);
  else if (picked.length >= MAX_COMPARE) compareNote = 'a compare holds ' + MAX_COMPARE + ' takes: take one out first';
  else picked.push(id);
  for (const p of picked.concat([id])) refreshCard(p);
  updateCompareBar();
}
function updateCompareBar() {
  compareBar.hidden = picked.length === 0;
  if (compareBar.hidden) { compareBar.replaceChildren(); return; }
  compareBar.replaceChildren(
    el('span', { id: 'compare-count', text: picked.length + ' picked to compare' + (picked.length < 2 ? ' (pick one more)' : '') }),
    el('button', { type: 'button', id: 'compare-open', disabled: picked.length < 2, text: 'Compare ' + picked.length + ' side by side', on: { click: function () { openCompare(picked.slice()); } } }),
    el('button', { type: 'button', id: 'compare-clear', text: 'clear', on: { click: function () { const was = picked; picked = []; for (const p of was) refreshCard(p); updateCompareBar(); } } }),
    el('span', { class: 'bad', text: compareNote }));
}
/** What a take was made with, as [name, value] pairs: its axes, then request fields no axis names, then the seed used. */
function settingsOf(t) {
  const out = VARYING.map(function (ai) { return [AXES[ai].name, valueLabel(ai, t.axes[ai])]; });
  const named = new Set(out.map(function (s) { return s[0]; }));
  for (const key of ['quality', 'duration', 'aspect_ratio', 'generate_audio_switch', 'motion_mode', 'input', 'negative_prompt']) {
    // An axis of that name says it already (the prompt axis is the prompt's id: its text would say it twice).
    if (named.has(key) || (key === 'input' && named.has('prompt'))) continue;
    const v = t.request[key];
    out.push([key === 'input' ? 'prompt' : key === 'generate_audio_switch' ? 'audio' : key, v === undefined ? '\u2014' : typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v)]);
  }
  out.push(['seed used', t.seed === null ? '\u2014' : String(t.seed)], ['status', t.statusName]);
  return out;
}
function differences(takes) {
  const all = takes.map(settingsOf);
  return all.map(function (list) {
    return list.filter(function (s, i) { return all.some(function (other) { return other[i][1] !== s[1]; }); });
  });
}
function openCompare(ids) {
  const takes = ids.map(function (id) { return BY_ID.get(id); }).filter(Boolean).slice(0, MAX_COMPARE);
  if (takes.length < 2) return;
  if (!viewer.hidden) { viewer.hidden = true; viewer.replaceChildren(); }
  state.take = null;
  stopHover();
  state.compare = takes.map(function (t) { return t.id; });
  writeHash();
  const diffs = differences(takes);
  const panes = takes.map(function (t, i) { return comparePane(t, diffs[i]); });
  const videos = panes.map(function (p) { return p.querySelector('video'); }).filter(Boolean);
  comparer.replaceChildren(
    el('div', { class: 'c-top' }, el('strong', { text: 'Compare ' + takes.length + ' takes' }), el('span', { class: 'hint', text: 'above each: what differs' }),
      el('button', { type: 'button', id: 'c-close', text: TOUCH ? 'close' : 'close (Esc)', on: { click: closeCompare } })),
    el('div', { class: 'c-panes n' + takes.length }, panes),
    syncControls(videos));
  comparer.hidden = false;
  document.body.classList.add('viewing');
}
function comparePane(t, diff) {
  const m = markOf(t.id);
  const mark = function (which, text) {
    return el('button', { type: 'button', class: 'mark' + (m.mark === which ? ' on' : ''), 'data-mark': which, 'aria-pressed': String(m.mark === which), text: text,
      on: { click: function () { setMark(t.id, { mark: markOf(t.id).mark === which ? null : which }); openCompare(state.compare); } } });
  };
  const head = el('div', { class: 'c-diff' }, diff.length === 0 ? el('span', { text: 'same settings' }) :
    diff.map(function (s) { return el('span', { class: 'c-set' }, el('span', { class: 'axis', text: s[0] + ' ' }), s[1].length > 80 ? s[1].slice(0, 80) + '\u2026' : s[1]); }));
  const media = t.src ? el('video', { src: t.src, poster: t.poster, muted: true, loop: true, playsinline: true, preload: 'auto' }) : thumbBox(t, 'v-ph');
  return el('figure', { class: 'c-pane', 'data-id': t.id }, head, media,
    el('figcaption', null, mark('favourite', '\u2605'), mark('reject', '\u2715'),
      el('button', { type: 'button', class: 'linkish', text: 'open', on: { click: function () { closeCompare(); openTake(t.id); } } }),
      el('code', { text: ' ' + t.id })));
}
/** One play / pause / seek for every video of the compare; the first one leads, the others follow it. */
function syncControls(videos) {
  const lead = videos[0];
  const play = el('button', { type: 'button', id: 'c-play', text: '\u25b6 play' });
  const seek = el('input', { id: 'c-seek', type: 'range', min: '0', max: '1000', value: '0', step: '1', 'aria-label': 'seek all' });
  const time = el('span', { id: 'c-time', class: 'hint', text: '0.0 s' });
  if (!lead) return el('div', { class: 'c-controls' }, el('span', { class: 'hint', text: 'none of these takes has a video' }));
  const all = function (f) { for (const v of videos) f(v); };
  const setPlaying = function (on) {
    if (on) all(function (v) { v.currentTime = lead.currentTime; v.play().catch(function () {}); }); else all(function (v) { v.pause(); });
    play.textContent = on ? '\u275a\u275a pause' : '\u25b6 play';
    play.setAttribute('data-playing', String(on));
  };
  play.addEventListener('click', function () { setPlaying(lead.paused); });
  seek.addEventListener('input', function () {
    if (!lead.duration) return;
    const at = Number(seek.value) / 1000 * lead.duration;
    all(function (v) { v.currentTime = Math.min(at, (v.duration || at) - 0.01); });
  });
  lead.addEventListener('timeupdate', function () {
    if (lead.duration) seek.value = String(Math.round(lead.currentTime / lead.duration * 1000));
    time.textContent = lead.currentTime.toFixed(1) + ' s';
    if (!lead.paused) for (const v of videos) if (v !== lead && Math.abs(v.currentTime - lead.currentTime) > 0.15 && v.duration > lead.currentTime) v.currentTime = lead.currentTime;
  });
  comparer.syncPlay = setPlaying;
  comparer.syncSeek = function (d) { all(function (v) { v.currentTime = Math.max(0, lead.currentTime + d); }); };
  comparer.syncLead = lead;
  setTimeout(function () { if (!comparer.hidden) setPlaying(true); }, 0);
  return el('div', { class: 'c-controls' }, play, seek, time, TOUCH ? null : el('span', { class: 'hint keys', text: 'Space play / pause \u00b7 \u2190 \u2192 half a second \u00b7 Esc close' }));
}
function compareKey(e) {
  if (e.key === 'Escape') closeCompare();
  else if (e.key === ' ' && comparer.syncPlay && e.target.tagName !== 'BUTTON') { e.preventDefault(); comparer.syncPlay(comparer.syncLead.paused); }
  else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && comparer.syncSeek && e.target.tagName !== 'INPUT') { e.preventDefault(); comparer.syncSeek(e.key === 'ArrowLeft' ? -0.5 : 0.5); }
}
function closeCompare() {
  for (const v of comparer.querySelectorAll('video')) { v.pause(); v.removeAttribute('src'); v.load(); }
  comparer.hidden = true;
  comparer.replaceChildren();
  comparer.syncPlay = comparer.syncSeek = comparer.syncLead = null;
  document.body.classList.remove('viewing');
  state.compare = [];
  writeHash();
}
`;
