/**
 * A small SVG writer: elements as strings with every attribute and text escaped, linear
 * scales and readable ticks. Enough for the report's three charts; no chart library.
 */
import { escapeHtml } from './escape.js';
import { axisBootLabel, axisTimeLabel, type Clock } from '../time.js';

export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Attribute values are escaped; null/undefined/false leave the attribute out. */
function attributes(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(typeof value === 'number' ? fmt(value) : value)}"`;
  }
  return out;
}

/** Coordinates with at most two decimals keep the markup small. */
export function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** An element; `children` are markup already (use `text()` for strings). */
export function el(tag: string, attrs: Attrs = {}, ...children: string[]): string {
  return children.length === 0 ? `<${tag}${attributes(attrs)}/>` : `<${tag}${attributes(attrs)}>${children.join('')}</${tag}>`;
}

/** Text content, escaped. */
export function text(s: string): string {
  return escapeHtml(s);
}

export type Scale = (v: number) => number;

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/**
 * Round tick values 1, 2, 5 × 10ⁿ with about `wanted` ticks inside [min, max]; with `cover`,
 * the ticks extend to the next round value below min and above max (for count axes, so the
 * tallest bar stays inside the axis).
 */
export function niceTicks(min: number, max: number, wanted = 5, cover = false): number[] {
  if (max <= min) return [min];
  const raw = (max - min) / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(cover ? 1 : 0, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const first = cover ? Math.floor(min / step) * step : Math.ceil(min / step) * step;
  const last = cover ? Math.ceil(max / step) * step : max;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) ticks.push(Math.round((first + i * step) * 1e6) / 1e6);
  return ticks;
}

/** Steps a time axis may use, seconds; longer spans take 1, 2, 5 × 10ⁿ days. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
const DAY = 86400;

/** The most ticks any time axis draws, whatever it is asked for. */
export const MAX_TIME_TICKS = 12;

/** The smallest 1, 2, 5 × 10ⁿ at least `x` (x > 0). */
function niceAtLeast(x: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= x) ?? 10 * magnitude;
}

/**
 * Ticks on a UTC time axis at whole steps, labelled as time of day (with the date for long
 * spans, the date alone beyond a year): at most `wanted` (and never more than MAX_TIME_TICKS)
 * whatever the span, so a capture whose clock jumped centuries still draws a small axis. On the
 * `boot` clock (a dmesg without -T) the labels count hours since the kernel booted instead.
 */
export function timeTicks(t0: number, t1: number, wanted = 6, clock: Clock = 'date'): { value: number; label: string }[] {
  const most = Math.max(1, Math.min(Math.floor(wanted), MAX_TIME_TICKS));
  const span = Math.max(t1 - t0, 1e-6);
  if (!Number.isFinite(span) || !Number.isFinite(t0)) return [];
  if (span < most) {
    // sub-second to a few seconds: offsets from the start
    return niceTicks(0, span, most).map((s) => ({ value: t0 + s, label: `+${fmt(s)} s` }));
  }
  const step = TIME_STEPS.find((s) => span / s <= most) ?? niceAtLeast(span / most / DAY) * DAY;
  const first = Math.ceil(t0 / step) * step;
  const ticks: { value: number; label: string }[] = [];
  // Counted, not accumulated: far from the epoch, v + step can round back to v.
  for (let i = 0; i <= most; i++) {
    const v = first + i * step;
    if (v > t1) break;
    ticks.push({ value: v, label: clock === 'boot' ? axisBootLabel(v, step, span) : axisTimeLabel(v, step, span) });
  }
  return ticks;
}
