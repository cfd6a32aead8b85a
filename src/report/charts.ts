/**
 * The report's charts, as inline SVG: attempts over time, source (or destination) port against time, and
 * attempts per address of a destination group. Marks are aggregated into pixel columns or
 * cells, so thousands of attempts stay legible and the markup stays small.
 */
import type { Attempt, DestinationGroup } from '../analysis/types.js';
import { el, fmt, linearScale, niceTicks, text, timeTicks } from './svg.js';
import { count, duration } from '../quantities.js';
import { compareAddresses } from '../decode/address.js';
import { OUTCOMES, timeOfDay, type Outcome } from './words.js';
import { bootTime, type Clock } from '../time.js';

/** Longer than any capture runs: a chart over a longer span says its times are likely wrong. */
const PLAUSIBLE_SPAN = 366 * 86400;

/** Colours by outcome: distinguishable in colour-blind palettes (Okabe–Ito) and in grey print. */
export const OUTCOME_COLOR: Record<Outcome, string> = {
  established: '#009e73',
  'reset-middlebox': '#d55e00',
  'reset-endpoint': '#e69f00',
  'reset-unknown': '#cc79a7',
  unanswered: '#6b6b6b',
  abandoned: '#56b4e9',
  'refused-icmp': '#0072b2',
};

const OUTCOME_INDEX: Record<Outcome, number> = Object.fromEntries(OUTCOMES.map((o, i) => [o.outcome, i])) as Record<Outcome, number>;

const WIDTH = 760;
const FONT = 11;
/** Rough advance of one character at the chart font size, for laying out legends and labels. */
const CHAR = 6.4;

interface Margin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frame(id: string, title: string, description: string, width: number, height: number, body: string[]): string {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: 'chart',
      id,
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
      'font-size': FONT,
    },
    el('title', { id: `${id}-title` }, text(title)),
    el('desc', { id: `${id}-desc` }, text(description)),
    ...body,
  );
}

/** Legend of the outcomes present, in a row from (x, y). */
function legend(present: Outcome[], x: number, y: number): string {
  const items: string[] = [];
  let at = x;
  for (const o of OUTCOMES) {
    if (!present.includes(o.outcome)) continue;
    items.push(
      el('rect', { x: at, y: y - 9, width: 10, height: 10, fill: OUTCOME_COLOR[o.outcome] }),
      el('text', { x: at + 14, y }, text(o.label)),
    );
    at += 14 + o.label.length * CHAR + 16;
  }
  return el('g', { class: 'legend' }, ...items);
}

function xTimeAxis(t0: number, t1: number, x: (v: number) => number, y: number, left: number, right: number, clock: Clock): string {
  const ticks = timeTicks(t0, t1, Math.max(2, Math.floor((right - left) / 90)), clock);
  const parts = [el('line', { x1: left, x2: right, y1: y, y2: y, stroke: '#333' })];
  for (const t of ticks) {
    const px = x(t.value);
    parts.push(el('line', { x1: px, x2: px, y1: y, y2: y + 4, stroke: '#333' }));
    parts.push(el('text', { x: px, y: y + 15, 'text-anchor': 'middle' }, text(t.label)));
  }
  const span = t1 - t0;
  const unit =
    clock === 'boot'
      ? span < 6
        ? `seconds from ${bootTime(t0)}`
        : `time since the kernel booted (${span >= 86400 ? 'days, ' : ''}hours:minutes${ticks.some((t) => t.label.split(':').length > 2) ? ':seconds' : ''})`
      : span < 6
        ? `seconds after ${timeOfDay(t0)} UTC`
        : span > PLAUSIBLE_SPAN
          ? `date (UTC) — ${duration(span)} of attempts: more than a capture runs, so its clock or time stamps are likely wrong`
          : span >= 366 * 86400
            ? 'date (UTC)'
            : 'time of day (UTC)';
  parts.push(el('text', { x: (left + right) / 2, y: y + 32, 'text-anchor': 'middle', class: 'axis-title' }, text(unit)));
  return el('g', { class: 'axis x-axis' }, ...parts);
}

function yAxis(
  ticks: number[],
  y: (v: number) => number,
  left: number,
  right: number,
  title: string,
  top: number,
  bottom: number,
  label = (v: number) => count(v),
): string {
  const parts = [el('line', { x1: left, x2: left, y1: top, y2: bottom, stroke: '#333' })];
  for (const t of ticks) {
    const py = y(t);
    parts.push(el('line', { x1: left - 4, x2: left, y1: py, y2: py, stroke: '#333' }));
    parts.push(el('line', { x1: left + 1, x2: right, y1: py, y2: py, stroke: '#e3e3e3' }));
    parts.push(el('text', { x: left - 7, y: py + 4, 'text-anchor': 'end' }, text(label(t))));
  }
  const cy = (top + bottom) / 2;
  parts.push(
    el('text', { x: 12, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 12 ${fmt(cy)})`, class: 'axis-title' }, text(title)),
  );
  return el('g', { class: 'axis y-axis' }, ...parts);
}

function timeDomain(attempts: Attempt[]): [number, number] {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const a of attempts) {
    if (a.ts < t0) t0 = a.ts;
    if (a.ts > t1) t1 = a.ts;
  }
  if (t1 - t0 < 1e-3) return [t0 - 0.5, t1 + 0.5];
  // a little room either side so the first and last marks are not on the axis
  const pad = (t1 - t0) * 0.01;
  return [t0 - pad, t1 + pad];
}

function presentOutcomes(attempts: Attempt[]): Outcome[] {
  const seen = new Set<Outcome>();
  for (const a of attempts) seen.add(a.outcome);
  return OUTCOMES.map((o) => o.outcome).filter((o) => seen.has(o));
}

/**
 * Attempts over time: the time axis cut into 3-pixel columns, each a bar stacked by outcome,
 * so bursts and the period between them show at any number of attempts. `noun` names what is
 * counted when the marks are no attempts (the exchanges inside one connection).
 */
export function timelineChart(
  attempts: Attempt[],
  id: string,
  subject: string,
  omitted = 0,
  noun = 'attempt',
  clock: Clock = 'date',
): string {
  const m: Margin = { left: 56, right: 16, top: 30, bottom: 46 };
  const height = 220;
  const plotRight = WIDTH - m.right;
  const plotBottom = height - m.bottom;
  const [t0, t1] = timeDomain(attempts);
  const columnPx = 3;
  const columns = Math.max(1, Math.floor((plotRight - m.left) / columnPx));
  const binSeconds = (t1 - t0) / columns;
  const bins: number[][] = Array.from({ length: columns }, () => new Array<number>(OUTCOMES.length).fill(0));
  for (const a of attempts) {
    const i = Math.min(columns - 1, Math.max(0, Math.floor((a.ts - t0) / binSeconds)));
    bins[i]![OUTCOME_INDEX[a.outcome]]!++;
  }
  const maxCount = bins.reduce(
    (mx, b) =>
      Math.max(
        mx,
        b.reduce((s, n) => s + n, 0),
      ),
    0,
  );
  const yTicks = niceTicks(0, Math.max(1, maxCount), 4, true);
  const yMax = Math.max(yTicks[yTicks.length - 1]!, 1);
  const x = linearScale([t0, t1], [m.left, plotRight]);
  const y = linearScale([0, yMax], [plotBottom, m.top + 8]);

  const marks: string[] = [];
  bins.forEach((bin, i) => {
    let base = 0;
    bin.forEach((n, o) => {
      if (n === 0) return;
      const top = y(base + n);
      marks.push(
        el('rect', {
          class: 'mark',
          x: m.left + i * columnPx,
          y: top,
          width: 2,
          height: Math.max(1, y(base) - top),
          fill: OUTCOME_COLOR[OUTCOMES[o]!.outcome],
        }),
      );
      base += n;
    });
  });
  const per = duration(binSeconds);
  const nouns = `${noun}s`;
  const description = `${count(attempts.length + omitted)} ${nouns} of ${subject} over ${duration(t1 - t0)}; each bar counts the ${nouns} in ${per}, coloured by outcome${sampleNote(attempts.length, omitted)}.`;
  return frame(id, `${nouns[0]!.toUpperCase()}${nouns.slice(1)} over time — ${subject}`, description, WIDTH, height, [
    yAxis(yTicks, y, m.left, plotRight, `${nouns} per ${per}`, m.top + 8, plotBottom),
    xTimeAxis(t0, t1, x, plotBottom, m.left, plotRight, clock),
    el('g', { class: 'marks' }, ...marks),
    legend(presentOutcomes(attempts), m.left, 14),
  ]);
}

/**
 * Source port against time: a retry loop shows as a rising line of ports. Attempts falling in
 * the same 4×4-pixel cell share one mark, coloured by the cell's most frequent outcome. With
 * `which` 'destination', the destination port instead: for UDP hosts and flows that keep one
 * socket, where source ports say nothing, the services tried over time do.
 */
export function portChart(
  attempts: Attempt[],
  id: string,
  subject: string,
  omitted = 0,
  which: 'source' | 'destination' = 'source',
  clock: Clock = 'date',
): string {
  const portOf = which === 'source' ? (a: Attempt) => a.sourcePort : (a: Attempt) => a.port;
  const m: Margin = { left: 64, right: 16, top: 30, bottom: 46 };
  const height = 240;
  const plotRight = WIDTH - m.right;
  const plotBottom = height - m.bottom;
  const [t0, t1] = timeDomain(attempts);
  let pMin = Infinity;
  let pMax = -Infinity;
  for (const a of attempts) {
    pMin = Math.min(pMin, portOf(a));
    pMax = Math.max(pMax, portOf(a));
  }
  if (pMax - pMin < 10) {
    pMin -= 5;
    pMax += 5;
  }
  const yTicks = niceTicks(pMin, pMax, 4);
  const x = linearScale([t0, t1], [m.left, plotRight]);
  const y = linearScale([pMin, pMax], [plotBottom - 4, m.top + 8]);
  const cell = 4;
  const cells = new Map<number, number[]>();
  for (const a of attempts) {
    const cx = Math.floor((x(a.ts) - m.left) / cell);
    const cy = Math.floor((y(portOf(a)) - m.top) / cell);
    const key = cx * 4096 + cy;
    let tally = cells.get(key);
    if (!tally) cells.set(key, (tally = new Array<number>(OUTCOMES.length).fill(0)));
    tally[OUTCOME_INDEX[a.outcome]]!++;
  }
  let mostPerMark = 0;
  const marks: string[] = [];
  for (const [key, tally] of cells) {
    const cx = Math.floor(key / 4096);
    const cy = key % 4096;
    let best = 0;
    let total = 0;
    tally.forEach((n, o) => {
      total += n;
      if (n > tally[best]!) best = o;
    });
    mostPerMark = Math.max(mostPerMark, total);
    marks.push(
      el('rect', {
        class: 'mark',
        x: m.left + cx * cell,
        y: m.top + cy * cell,
        width: cell - 1,
        height: cell - 1,
        fill: OUTCOME_COLOR[OUTCOMES[best]!.outcome],
      }),
    );
  }
  const perMark = mostPerMark <= 1 ? 'one mark per attempt' : `one mark = up to ${count(mostPerMark)} attempts`;
  const Which = which === 'source' ? 'Source' : 'Destination';
  const description = `${Which} port of each of the ${count(attempts.length + omitted)} attempts of ${subject}, from ${count(pMin)} to ${count(pMax)}; ${perMark}${sampleNote(attempts.length, omitted)}.`;
  return frame(id, `${Which} port against time — ${subject}`, description, WIDTH, height, [
    yAxis(yTicks, y, m.left, plotRight, `${which} port`, m.top + 8, plotBottom, (v) => String(v)),
    xTimeAxis(t0, t1, x, plotBottom, m.left, plotRight, clock),
    el('g', { class: 'marks' }, ...marks),
    legend(presentOutcomes(attempts), m.left, 14),
    el('text', { x: plotRight, y: 14, 'text-anchor': 'end', class: 'note' }, text(perMark)),
  ]);
}

/** Addresses drawn as their own bar before the rest are summed into one. */
const BARS_SHOWN = 24;

/**
 * Attempts per destination address within one group, stacked by outcome: a CDN rotation
 * shows as many addresses with similar counts.
 */
/** When the findings keep only an even sample of a host's attempts, the marks show that sample. */
function sampleNote(kept: number, omitted: number): string {
  return omitted > 0 ? `; the marks show an even sample of ${count(kept)} of them` : '';
}

export function addressBarsChart(attempts: Attempt[], group: DestinationGroup, id: string, sampled = false): string {
  const byAddress = new Map<string, number[]>();
  for (const a of attempts) {
    let tally = byAddress.get(a.address);
    if (!tally) byAddress.set(a.address, (tally = new Array<number>(OUTCOMES.length).fill(0)));
    tally[OUTCOME_INDEX[a.outcome]]!++;
  }
  const sum = (t: number[]) => t.reduce((s, n) => s + n, 0);
  const sorted = [...byAddress.entries()].sort((a, b) => sum(b[1]) - sum(a[1]) || compareAddresses(a[0], b[0]));
  // the rest are summed in a line of text, not a bar: one long bar would flatten the others
  const rows = sorted.length > BARS_SHOWN + 1 ? sorted.slice(0, BARS_SHOWN) : sorted;
  const rest = sorted.slice(rows.length);
  const restAttempts = rest.reduce((n, [, t]) => n + sum(t), 0);
  const longest = rows.reduce((w, [label]) => Math.max(w, label.length), 0);
  const m: Margin = { left: Math.min(280, 16 + longest * CHAR), right: 24, top: 30, bottom: 46 };
  const rowPx = 18;
  const height = m.top + 8 + rows.length * rowPx + m.bottom + (rest.length > 0 ? 16 : 0);
  const plotRight = WIDTH - m.right;
  const plotBottom = m.top + 8 + rows.length * rowPx;
  const maxCount = rows.reduce((mx, [, t]) => Math.max(mx, sum(t)), 0);
  const xTicks = niceTicks(0, Math.max(1, maxCount), 5, true);
  const xMax = Math.max(xTicks[xTicks.length - 1]!, 1);
  const x = linearScale([0, xMax], [m.left, plotRight]);

  const parts: string[] = [];
  const axis = [el('line', { x1: m.left, x2: plotRight, y1: plotBottom, y2: plotBottom, stroke: '#333' })];
  for (const t of xTicks) {
    axis.push(el('line', { x1: x(t), x2: x(t), y1: m.top + 8, y2: plotBottom + 4, stroke: t === 0 ? '#333' : '#e3e3e3' }));
    axis.push(el('text', { x: x(t), y: plotBottom + 15, 'text-anchor': 'middle' }, text(count(t))));
  }
  axis.push(
    el('text', { x: (m.left + plotRight) / 2, y: plotBottom + 32, 'text-anchor': 'middle', class: 'axis-title' }, text('attempts')),
  );
  parts.push(el('g', { class: 'axis x-axis' }, ...axis));

  const marks: string[] = [];
  const labels: string[] = [];
  rows.forEach(([address, tally], i) => {
    const top = m.top + 8 + i * rowPx + 3;
    labels.push(el('text', { x: m.left - 6, y: top + 10, 'text-anchor': 'end' }, text(address)));
    let base = 0;
    tally.forEach((n, o) => {
      if (n === 0) return;
      marks.push(
        el('rect', {
          class: 'mark',
          x: x(base),
          y: top,
          width: Math.max(1, x(base + n) - x(base)),
          height: rowPx - 6,
          fill: OUTCOME_COLOR[OUTCOMES[o]!.outcome],
        }),
      );
      base += n;
    });
    labels.push(el('text', { x: x(base) + 4, y: top + 10, class: 'value' }, text(count(base))));
  });
  parts.push(
    el('g', { class: 'axis y-axis' }, ...labels),
    el('g', { class: 'marks' }, ...marks),
    legend(presentOutcomes(attempts), m.left, 14),
  );
  if (rest.length > 0) {
    const note = `and ${count(rest.length)} other addresses with ${count(restAttempts)} attempts (at most ${count(sum(rest[0]![1]))} each), not drawn`;
    parts.push(el('text', { x: m.left, y: height - 6, class: 'note' }, text(note)));
  }
  const description = `${count(sampled ? group.attempts : attempts.length)} attempts of this host to ${count(byAddress.size)} addresses of ${group.destination}, per address, coloured by outcome${sampled ? `; the bars count an even sample of ${count(attempts.length)} of them` : ''}.`;
  return frame(id, `Attempts per address — ${group.destination}`, description, WIDTH, height, parts);
}
