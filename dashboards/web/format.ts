/** Numbers, times and threshold colours as the panels show them. */
import type { Cell, Color, ColumnKind, Thresholds, Unit } from './types.ts';

const LOCALE = 'en-US';
const cache = new Map<string, Intl.NumberFormat>();

function nf(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, options);
    cache.set(key, f);
  }
  return f;
}

export interface FormatOptions {
  /** Fraction digits (the panel's `decimals`); default depends on the unit. */
  readonly decimals?: number | undefined;
  /** Short forms for axes and crowded places: $1.2M, 12K. */
  readonly compact?: boolean;
}

const SECOND_STEPS: readonly [number, string][] = [
  [86_400, 'd'],
  [3_600, 'h'],
  [60, 'min'],
  [1, 's'],
];

function seconds(v: number, decimals: number | undefined): string {
  const abs = Math.abs(v);
  if (abs === 0) return '0 s';
  if (abs < 1) return `${nf({ maximumFractionDigits: decimals ?? 0 }).format(v * 1000)} ms`;
  for (const [size, name] of SECOND_STEPS) {
    if (abs >= size) {
      const digits = decimals ?? (abs / size >= 100 || size === 1 ? (abs < 10 ? 1 : 0) : 1);
      return `${nf({ maximumFractionDigits: digits }).format(v / size)} ${name}`;
    }
  }
  return `${v} s`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function bytes(v: number, decimals: number | undefined): string {
  let n = Math.abs(v);
  let i = 0;
  while (n >= 1024 && i < BYTE_UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  const digits = decimals ?? (i === 0 ? 0 : n < 10 ? 2 : n < 100 ? 1 : 0);
  return `${v < 0 ? '-' : ''}${nf({ maximumFractionDigits: digits }).format(n)} ${BYTE_UNITS[i]}`;
}

/** One number in its unit; '—' for null. */
export function formatNumber(v: number | null, unit: Unit, opts: FormatOptions = {}): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const { decimals, compact = false } = opts;
  switch (unit) {
    case 'currency':
      if (compact || Math.abs(v) >= 10_000_000) {
        return nf({
          style: 'currency',
          currency: 'USD',
          notation: 'compact',
          maximumFractionDigits: Math.abs(v) < 1000 ? (decimals ?? 0) : 1,
        }).format(v);
      }
      return nf({
        style: 'currency',
        currency: 'USD',
        minimumFractionDigits: decimals ?? 2,
        maximumFractionDigits: decimals ?? 2,
      }).format(v);
    case 'percent':
      return nf({
        style: 'percent',
        minimumFractionDigits: compact ? 0 : (decimals ?? 1),
        maximumFractionDigits: decimals ?? 1,
      }).format(v);
    case 'seconds':
      return seconds(v, decimals);
    case 'hours':
      // kept in hours (the panels that use it say so): 0.4 h, 26 h, 1,250 h
      return `${nf({ maximumFractionDigits: decimals ?? (Math.abs(v) < 100 ? 1 : 0) }).format(v)} h`;
    case 'bytes':
      return bytes(v, decimals);
    case 'count':
      if (compact || Math.abs(v) >= 1_000_000) {
        return nf({ notation: 'compact', maximumFractionDigits: 1 }).format(v);
      }
      return nf({ maximumFractionDigits: decimals ?? 0 }).format(v);
    case 'number':
      if (compact && Math.abs(v) >= 10_000) {
        return nf({ notation: 'compact', maximumFractionDigits: 1 }).format(v);
      }
      return nf({
        minimumFractionDigits: decimals ?? 0,
        maximumFractionDigits: decimals ?? 2,
      }).format(v);
  }
}

/** A signed ratio change: +12.3%. */
export function formatChange(ratio: number): string {
  return nf({ style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(
    Math.abs(ratio),
  );
}

/** `2026-11-20` for a midnight, `2026-11-20 13:05` otherwise (UTC, as the lake keeps time). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const day = iso.slice(0, 10);
  const clock = iso.slice(11, 16);
  return clock === '00:00' && iso.slice(17, 23) === '00.000' ? day : `${day} ${clock}`;
}

/** Any cell as text (numbers in `unit`). */
export function formatCell(v: Cell, kind: ColumnKind, unit: Unit, decimals?: number): string {
  if (v === null) return '—';
  if (kind === 'time' && typeof v === 'number') return formatTime(v);
  if (typeof v === 'number') return formatNumber(v, unit, { decimals });
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v;
}

/** The threshold colour of a value: `base` below the first step, else the highest step reached. */
export function thresholdColor(t: Thresholds | undefined, v: Cell): Color | null {
  if (!t || typeof v !== 'number' || !Number.isFinite(v)) return null;
  let color: Color = t.base;
  for (const s of t.steps) if (v >= s.value) color = s.color;
  return color;
}

/** Column names as titles: `trailing_mean` → `Trailing mean`. */
export function humanize(name: string): string {
  const s = name.replace(/_/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
