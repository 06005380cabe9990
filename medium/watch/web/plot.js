// The selected link's recent past: signal of both directions, and the
// traffic on it, over the last two minutes.
import { el, rate } from './format.js';

export const SPAN = 120; // seconds shown

const W = 330, H = 170;
const L = 44, R = 8; // plot area margins
const SIG = { top: 16, h: 62 }, TRAFFIC = { top: 100, h: 50 };

// plot draws the history of a link: ab and ba are arrays of
// {t, signal, heard, bps} (one per state), now the latest t.
export function plot(ab, ba, now, names) {
  const svg = el('svg', { class: 'plot', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'signal and traffic of the link over time' });
  const x = (t) => L + ((t - (now - SPAN)) / SPAN) * (W - L - R);
  svg.append(
    el('rect', { class: 'frame', x: L, y: SIG.top, width: W - L - R, height: SIG.h }),
    el('rect', { class: 'frame', x: L, y: TRAFFIC.top, width: W - L - R, height: TRAFFIC.h }),
    el('text', { class: 'title', x: L, y: SIG.top - 4, text: `signal (dBm): ${names[0]} → ${names[1]} solid, back dashed` }),
    el('text', { class: 'title', x: L, y: TRAFFIC.top - 4, text: 'traffic, both ways, per second' }),
    el('text', { class: 'axis', x: L, y: H - 4, text: `−${SPAN / 60} min` }),
    el('text', { class: 'axis', x: W - R, y: H - 4, 'text-anchor': 'end', text: 'now' }));

  const sigs = [...ab, ...ba].filter((p) => p.heard && p.t >= now - SPAN).map((p) => p.signal);
  if (sigs.length) {
    let lo = Math.floor((Math.min(...sigs) - 3) / 5) * 5, hi = Math.ceil((Math.max(...sigs) + 3) / 5) * 5;
    if (hi - lo < 10) { lo -= 5; hi += 5; }
    const y = (v) => SIG.top + SIG.h - ((v - lo) / (hi - lo)) * SIG.h;
    svg.append(
      el('text', { class: 'axis', x: L - 5, y: SIG.top + 9, 'text-anchor': 'end', text: hi }),
      el('text', { class: 'axis', x: L - 5, y: SIG.top + SIG.h, 'text-anchor': 'end', text: lo }));
    for (const [series, cls] of [[ab, 'ab'], [ba, 'ba']]) {
      for (const run of runs(series, now)) {
        svg.append(el('polyline', { class: cls, points: run.map((p) => `${x(p.t).toFixed(1)},${y(p.signal).toFixed(1)}`).join(' ') }));
      }
    }
  } else {
    svg.append(el('text', { class: 'axis', x: L + 8, y: SIG.top + SIG.h / 2 + 4, text: 'not heard' }));
  }

  const traffic = sumSeries(ab, ba, now);
  const max = Math.max(1, ...traffic.map((p) => p.bps));
  const ty = (v) => TRAFFIC.top + TRAFFIC.h - (v / max) * (TRAFFIC.h - 4);
  svg.append(
    el('text', { class: 'axis', x: L - 5, y: TRAFFIC.top + 9, 'text-anchor': 'end', text: rate(max).replace('/s', '') }),
    el('text', { class: 'axis', x: L - 5, y: TRAFFIC.top + TRAFFIC.h, 'text-anchor': 'end', text: '0' }));
  if (traffic.length > 1) {
    const pts = traffic.map((p) => `${x(p.t).toFixed(1)},${ty(p.bps).toFixed(1)}`);
    const base = TRAFFIC.top + TRAFFIC.h;
    svg.append(el('polyline', { class: 'area', points: `${x(traffic[0].t).toFixed(1)},${base} ${pts.join(' ')} ${x(traffic[traffic.length - 1].t).toFixed(1)},${base}` }));
  }
  return svg;
}

// runs splits a series where the link was not heard.
function runs(series, now) {
  const out = [];
  let cur = [];
  for (const p of series) {
    if (p.t < now - SPAN) continue;
    if (p.heard) cur.push(p);
    else if (cur.length) { out.push(cur); cur = []; }
  }
  if (cur.length) out.push(cur);
  return out;
}

// sumSeries adds the traffic of both directions, point by point.
function sumSeries(ab, ba, now) {
  const byT = new Map();
  for (const p of [...ab, ...ba]) {
    if (p.t < now - SPAN) continue;
    byT.set(p.t, (byT.get(p.t) || 0) + p.bps);
  }
  return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t, bps]) => ({ t, bps }));
}
