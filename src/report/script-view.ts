/**
 * The full-screen part of the report's inline script: one take with its record and marks, stepped through with
 * the arrow keys, the ‹ › buttons or a swipe; and the one hover preview. A `<video>` exists only here (the take,
 * and its source or promoted take beside it), in the hover preview and in a compare (script-compare.ts): at most
 * three until a compare of four asks for more. DOM calls only; no backticks or `${` inside.
 */
export const REPORT_SCRIPT_VIEW = String.raw`
const viewer = el('div', { id: 'viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'take', hidden: true });
document.body.append(viewer);
function openTake(id) {
  const t = BY_ID.get(id);
  if (!t) return;
  stopHover();
  state.take = id;
  writeHash();
  const link = t.promoted_from !== null && BY_ID.has(t.promoted_from) ? { id: t.promoted_from, label: 'source' } : PROMOTED.has(id) ? { id: PROMOTED.get(id)[0], label: 'promoted' } : null;
  const media = el('div', { class: 'v-media' + (link ? ' pair' : '') }, pane(t, 'this take'), link ? pane(BY_ID.get(link.id), link.label) : null);
  swipe(media, function (d) { step(d, 0); });
  const p = LAYOUT.pos.get(id);
  const where = p ? 'take ' + num(p.n + 1) + ' of ' + num(LAYOUT.order.length) : 'hidden by the filters';
  const m = markOf(id);
  const note = el('textarea', { id: 'note', rows: '3', maxlength: '4000', placeholder: 'note', 'aria-label': 'note' });
  note.value = m.note;
  let timer = null;
  note.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { setMark(id, { note: note.value }); }, 400); });
  note.addEventListener('blur', function () { clearTimeout(timer); if (note.value !== markOf(id).note) setMark(id, { note: note.value }); });
  const button = function (mark, text, key) {
    return el('button', { type: 'button', class: 'mark' + (m.mark === mark ? ' on' : ''), 'data-mark': mark, 'aria-pressed': String(m.mark === mark), title: TOUCH ? null : 'key ' + key,
      on: { click: function () { toggleMark(id, mark); } } }, text);
  };
  const chosen = picked.includes(id);
  const side = el('aside', { class: 'v-side' },
    el('div', { class: 'v-nav' },
      el('button', { type: 'button', id: 'v-prev', 'aria-label': 'previous take', text: '\u2039', disabled: !p || p.n === 0, on: { click: function () { step(-1, 0); } } }),
      el('span', { id: 'v-where', text: where }),
      el('button', { type: 'button', id: 'v-next', 'aria-label': 'next take', text: '\u203a', disabled: !p || p.n + 1 >= LAYOUT.order.length, on: { click: function () { step(1, 0); } } }),
      el('button', { type: 'button', id: 'v-close', text: TOUCH ? 'close' : 'close (Esc)', on: { click: closeTake } })),
    el('h2', { id: 'v-title', text: takeLabel(t) }),
    el('div', { class: 'v-marks' }, button('favourite', '\u2605 favourite', 'f'), button('reject', '\u2715 reject', 'x'),
      el('button', { type: 'button', id: 'v-compare', class: 'mark' + (chosen ? ' on' : ''), 'aria-pressed': String(chosen), title: TOUCH ? null : 'key c', text: chosen ? '\u2713 in compare' : '+ compare',
        on: { click: function () { togglePick(id); openTake(id); } } })),
    note,
    TOUCH ? null : el('p', { class: 'hint keys', text: '\u2190 \u2192 along the row \u00b7 \u2191 \u2193 along the column \u00b7 f favourite \u00b7 x reject \u00b7 c compare \u00b7 Esc close' }),
    record(t));
  viewer.replaceChildren(media, side);
  viewer.hidden = false;
  document.body.classList.add('viewing');
}
/** A horizontal swipe on a touch screen: d = +1 (to the next, finger right to left) or -1. */
function swipe(node, go) {
  let start = null;
  node.addEventListener('touchstart', function (e) { start = e.touches.length === 1 ? { x: e.touches[0].clientX, y: e.touches[0].clientY } : null; }, { passive: true });
  node.addEventListener('touchend', function (e) {
    if (!start || e.changedTouches.length !== 1) return;
    const dx = e.changedTouches[0].clientX - start.x;
    const dy = e.changedTouches[0].clientY - start.y;
    start = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
  });
}
function toggleMark(id, mark) {
  setMark(id, { mark: markOf(id).mark === mark ? null : mark });
  if (state.take === id) openTake(id);
}
function pane(t, label) {
  const box = el('figure', { class: 'v-pane', 'data-id': t.id }, el('figcaption', null, el('strong', { text: label + ' ' }), takeLabel(t),
    t.id !== state.take ? el('button', { type: 'button', class: 'linkish', text: ' open', on: { click: function () { openTake(t.id); } } }) : null));
  if (t.src) box.prepend(el('video', { src: t.src, poster: t.poster, controls: true, autoplay: true, muted: true, loop: true, playsinline: true, preload: 'metadata' }));
  else box.prepend(thumbBox(t, 'v-ph'));
  return box;
}
function record(t) {
  const rows = [
    ['status', t.statusName], ['job id', t.id], ['video id', t.video_id], ['seed asked', t.seed_requested === null ? 'any' : t.seed_requested], ['seed used', t.seed],
    ['credits', t.credits !== null ? num(t.credits) + ' charged' + (DATA.simulated ? ' (simulated credits)' : '') : '~' + num(t.estimated_credits) + ' estimated'], ['refunded', t.credits_refunded ? num(t.credits_refunded) : null], ['submit attempts', t.attempts],
    ['file', t.file], ['size', t.width && t.height ? t.width + '\u00d7' + t.height : null], ['bytes', t.bytes === null ? null : num(t.bytes)], ['audio', t.has_audio === null ? null : t.has_audio ? 'yes' : 'no'],
    ['submitted', t.submitted_at], ['finished', t.finished_at], ['error', t.error ? t.error.code + ': ' + t.error.message : null],
  ];
  for (const key of Object.keys(t.request)) rows.push(['request.' + key, typeof t.request[key] === 'object' ? JSON.stringify(t.request[key]) : t.request[key]]);
  for (const ai of VARYING) rows.push(['axis ' + AXES[ai].name, valueLabel(ai, t.axes[ai])]);
  const dl = el('dl', { class: 'record' });
  for (const r of rows) if (r[1] !== null && r[1] !== undefined && r[1] !== '') dl.append(el('dt', { text: r[0] }), el('dd', { text: String(r[1]) }));
  const links = el('div', { class: 'links' });
  if (t.promoted_from !== null) links.append(el('span', { text: 'promoted from ' }), takeLink(t.promoted_from));
  for (const p of PROMOTED.get(t.id) || []) links.append(el('span', { text: ' promoted to ' }), takeLink(p));
  return el('div', null, links, sourceStrip(t, 'sources'), dl, t.src ? el('a', { class: 'file', href: t.src, text: 'open the video file' }) : null);
}
// A take's source image (or first and last frame), each with its name in the manifest; null for a text take.
function sourceStrip(t, cls) {
  if (!t.sources || t.sources.length === 0) return null;
  const box = el('span', { class: cls });
  for (const s of t.sources) {
    const name = (s[0] === 'image' ? '' : s[0].replace('_', ' ') + ': ') + s[1];
    box.append(s[2] ? el('img', { src: s[2], alt: name, title: name, loading: 'lazy', decoding: 'async' }) : el('span', { class: 'srcname', text: name }));
  }
  return box;
}
function takeLink(id) {
  if (!BY_ID.has(id)) return el('code', { text: id + ' (not in this ledger)' });
  return el('button', { type: 'button', class: 'linkish', 'data-goto': id, text: id, on: { click: function () { openTake(id); } } });
}
function closeTake() {
  viewer.hidden = true;
  viewer.replaceChildren();
  document.body.classList.remove('viewing');
  const id = state.take;
  state.take = null;
  writeHash();
  const c = id && ensureRendered(id);
  if (c) { c.scrollIntoView({ block: 'nearest' }); c.focus({ preventScroll: true }); }
}
function step(dx, dy) {
  const p = LAYOUT.pos.get(state.take);
  if (!p) { if (LAYOUT.order.length > 0) openTake(LAYOUT.order[0]); return; }
  if (dx !== 0) { const n = p.n + dx; if (n >= 0 && n < LAYOUT.order.length) openTake(LAYOUT.order[n]); return; }
  const g = LAYOUT.groups[p.gi];
  const ck = g.cols[p.ci];
  for (let ri = p.ri + dy; ri >= 0 && ri < g.rows.length; ri += dy) {
    const list = g.rows[ri].cells.get(ck);
    if (list && list.length > 0) { openTake(list[Math.min(p.k, list.length - 1)].id); return; }
  }
}
document.addEventListener('keydown', function (e) {
  if (!comparer.hidden) { compareKey(e); return; }
  if (viewer.hidden) {
    if (e.key === 'Enter' && e.target.tagName !== 'BUTTON' && e.target.closest && e.target.closest('figure.take')) openTake(e.target.closest('figure.take').getAttribute('data-id'));
    return;
  }
  if (e.target.tagName === 'TEXTAREA' || e.target.tagName === 'INPUT') { if (e.key === 'Escape') e.target.blur(); return; }
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (moves[e.key]) { e.preventDefault(); step(moves[e.key][0], moves[e.key][1]); }
  else if (e.key === 'Escape') closeTake();
  else if (e.key === 'f') toggleMark(state.take, 'favourite');
  else if (e.key === 'x') toggleMark(state.take, 'reject');
  else if (e.key === 'c') { togglePick(state.take); openTake(state.take); }
});
grid.addEventListener('click', function (e) {
  const f = e.target.closest('figure.take');
  if (!f) return;
  // The + on a card, or a Shift-click anywhere on it (what a small card leaves room for), picks it for a compare.
  if (e.target.closest('button.cmp') || e.shiftKey) togglePick(f.getAttribute('data-id'));
  else openTake(f.getAttribute('data-id'));
});

// ---- one hover preview for the whole page (pointer devices only) ----
const hoverVideo = el('video', { class: 'hover', muted: true, loop: true, playsinline: true, preload: 'none' });
let hoverTimer = null;
grid.addEventListener('pointerover', function (e) {
  const f = e.target.closest('figure.take');
  if (!f || e.pointerType === 'touch' || TOUCH || hoverVideo.parentNode === f.firstChild) return;
  clearTimeout(hoverTimer);
  const t = BY_ID.get(f.getAttribute('data-id'));
  if (!t || !t.src) return;
  hoverTimer = setTimeout(function () { hoverVideo.src = t.src; hoverVideo.muted = true; f.firstChild.append(hoverVideo); hoverVideo.play().catch(function () {}); }, 250);
});
grid.addEventListener('pointerout', function (e) {
  const f = e.target.closest('figure.take');
  if (!f || (e.relatedTarget && f.contains(e.relatedTarget))) return;
  stopHover();
});
function stopHover() {
  clearTimeout(hoverTimer);
  if (hoverVideo.parentNode) { hoverVideo.pause(); hoverVideo.removeAttribute('src'); hoverVideo.load(); hoverVideo.remove(); }
}
`;
