/**
 * The view's state (page, time range, auto-refresh) and its URL hash:
 * `#/<page>?range=7d&from=…&to=…&refresh=30s`. A preset range (`range=`) is relative to the
 * lake's last day with data, so a reload after new data moves with it; `from`/`to` alone are a
 * custom range. Both are written for a preset, so the link still says which days it showed.
 */
import type { LakeRange } from './types.ts';

export const PRESETS = [
  { id: '1d', days: 1, label: 'Last day' },
  { id: '3d', days: 3, label: 'Last 3 days' },
  { id: '7d', days: 7, label: 'Last 7 days' },
  { id: '14d', days: 14, label: 'Last 14 days' },
  { id: '30d', days: 30, label: 'Last 30 days' },
  { id: 'all', days: null, label: 'All data' },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];

export const REFRESH = [
  { id: 'off', seconds: 0, label: 'Off' },
  { id: '10s', seconds: 10, label: '10 s' },
  { id: '30s', seconds: 30, label: '30 s' },
  { id: '1m', seconds: 60, label: '1 min' },
  { id: '5m', seconds: 300, label: '5 min' },
] as const;
export type RefreshId = (typeof REFRESH)[number]['id'];

export type RangeChoice =
  | { readonly kind: 'preset'; readonly preset: PresetId }
  | { readonly kind: 'custom'; readonly from: string; readonly to: string };

export interface ViewState {
  readonly page: string;
  readonly range: RangeChoice;
  readonly refresh: RefreshId;
}

export interface DayRange {
  readonly from: string;
  readonly to: string;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s: string | null | undefined): s is string {
  return !!s && DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * The default range: the longest of 7, 3 and 1 days for which the lake holds at least twice as
 * many days (so the tiles' previous period has data), else all of it.
 */
export function defaultPreset(lake: LakeRange): PresetId {
  if (!lake.first || !lake.last) return 'all';
  const days = daysBetween(lake.first, lake.last) + 1;
  const choices: [PresetId, number][] = [
    ['7d', 7],
    ['3d', 3],
    ['1d', 1],
  ];
  for (const [p, n] of choices) if (days >= 2 * n) return p;
  return 'all';
}

/** The days a choice stands for, given the lake's data (today when the lake is empty). */
export function resolveRange(choice: RangeChoice, lake: LakeRange): DayRange {
  if (choice.kind === 'custom') return { from: choice.from, to: choice.to };
  const last = lake.last ?? todayUtc();
  const preset = PRESETS.find((p) => p.id === choice.preset)!;
  if (preset.days === null) return { from: lake.first ?? last, to: last };
  return { from: addDays(last, 1 - preset.days), to: last };
}

export function parseHash(hash: string, pages: readonly string[], lake: LakeRange): ViewState {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?');
  const params = new URLSearchParams(query);
  const page = pages.includes(path) ? path : (pages[0] ?? '');
  const preset = PRESETS.find((p) => p.id === params.get('range'));
  const from = params.get('from');
  const to = params.get('to');
  let range: RangeChoice;
  if (preset) range = { kind: 'preset', preset: preset.id };
  else if (isDate(from) && isDate(to) && from <= to) range = { kind: 'custom', from, to };
  else range = { kind: 'preset', preset: defaultPreset(lake) };
  const refresh = REFRESH.find((r) => r.id === params.get('refresh'))?.id ?? 'off';
  return { page, range, refresh };
}

export function formatHash(state: ViewState, lake: LakeRange): string {
  const params = new URLSearchParams();
  if (state.range.kind === 'preset') params.set('range', state.range.preset);
  const days = resolveRange(state.range, lake);
  params.set('from', days.from);
  params.set('to', days.to);
  if (state.refresh !== 'off') params.set('refresh', state.refresh);
  return `#/${state.page}?${params.toString()}`;
}
