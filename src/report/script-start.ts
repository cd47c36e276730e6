/** The last part of the report's inline script: it reads the marks and the hash, draws the page and follows the hash. */
export const REPORT_SCRIPT_START = String.raw`
loadPicks();
readHash();
buildControls();
document.getElementById('download').addEventListener('click', downloadPicks);
document.getElementById('download-csv').addEventListener('click', downloadCsv);
if (!REVIEW) saveStatus(marks.size > 0 ? 'marks from picks.json and this browser' : 'marks stay in this browser; \u201cDownload picks.json\u201d saves them', 'local');
else saveStatus('marks are saved to picks.json by paiwo-batch review', 'saved');
if (!DATA.ffmpeg && TAKES.some(function (t) { return t.src && !t.poster; })) {
  const n = document.getElementById('notice');
  n.textContent = 'Posters need ffmpeg: install it and run npx paiwo-batch report on this folder again. Until then each take shows a labelled placeholder.';
  n.hidden = false;
} else if (DATA.posters_deferred > 0) {
  const n = document.getElementById('notice');
  n.textContent = num(DATA.posters_deferred) + ' takes have no poster yet (a run makes the first ones only, to finish fast): run npx paiwo-batch report on this folder (or review it) to make them.';
  n.hidden = false;
}
function showHashView() {
  if (state.compare.length > 1) openCompare(state.compare);
  else if (!comparer.hidden) closeCompare();
  if (state.take !== null && comparer.hidden) openTake(state.take);
  else if (!viewer.hidden) closeTake();
}
render();
showHashView();
window.addEventListener('hashchange', function () { readHash(); buildControls(); render(); showHashView(); });
`;
