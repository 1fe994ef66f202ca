/** Light and dark: the choice (saved in localStorage), and the colours charts draw with. */
import type { Color } from './types.ts';

export type Theme = 'light' | 'dark';

const KEY = 'lakehouse-dashboard-theme';

export function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage blocked: fall back to the system's choice
  }
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme, save: boolean): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  if (!save) return;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // not saved; the toggle still works for this visit
  }
}

export interface ChartColors {
  readonly series: readonly string[];
  readonly named: Readonly<Record<Color, string>>;
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
  readonly panel: string;
}

export const CHART_COLORS: Readonly<Record<Theme, ChartColors>> = {
  light: {
    series: [
      '#2563eb',
      '#0d9488',
      '#f59e0b',
      '#9333ea',
      '#db2777',
      '#0891b2',
      '#65a30d',
      '#ea580c',
      '#64748b',
      '#4f46e5',
    ],
    named: {
      green: '#16a34a',
      blue: '#2563eb',
      yellow: '#ca8a04',
      orange: '#ea580c',
      red: '#dc2626',
      purple: '#9333ea',
      gray: '#6b7280',
    },
    text: '#1f2937',
    muted: '#6b7280',
    grid: '#e5e7eb',
    panel: '#ffffff',
  },
  dark: {
    series: [
      '#60a5fa',
      '#2dd4bf',
      '#fbbf24',
      '#c084fc',
      '#f472b6',
      '#22d3ee',
      '#a3e635',
      '#fb923c',
      '#94a3b8',
      '#818cf8',
    ],
    named: {
      green: '#4ade80',
      blue: '#60a5fa',
      yellow: '#facc15',
      orange: '#fb923c',
      red: '#f87171',
      purple: '#c084fc',
      gray: '#9ca3af',
    },
    text: '#e5e7eb',
    muted: '#9ca3af',
    grid: '#2b3340',
    panel: '#171c24',
  },
};
