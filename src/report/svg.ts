/**
 * A small SVG writer: elements as strings with every attribute and text escaped, linear
 * scales and readable ticks. Enough for the report's three charts; no chart library.
 */
import { escapeHtml } from './escape.js';

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

/** Steps a time axis may use, seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Ticks on a UTC time axis at whole steps, labelled as time of day (with the date for long spans). */
export function timeTicks(t0: number, t1: number, wanted = 6): { value: number; label: string }[] {
  const span = Math.max(t1 - t0, 1e-6);
  if (span < wanted) {
    // sub-second to a few seconds: offsets from the start
    return niceTicks(0, span, wanted).map((s) => ({ value: t0 + s, label: `+${fmt(s)} s` }));
  }
  const step = TIME_STEPS.find((s) => span / s <= wanted) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const withDate = span >= 86400;
  const ticks: { value: number; label: string }[] = [];
  for (let v = Math.ceil(t0 / step) * step; v <= t1; v += step) {
    const iso = new Date(v * 1000).toISOString();
    const clock = step < 60 ? iso.slice(11, 19) : iso.slice(11, 16);
    ticks.push({ value: v, label: withDate ? `${iso.slice(5, 10)} ${clock}` : clock });
  }
  return ticks;
}
