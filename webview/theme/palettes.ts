/**
 * The chart colours used where VS Code's theme variables are missing (the static report, the
 * gallery), per theme kind. DOM-free, so Node tests read the palettes directly.
 */

export type ThemeKind = 'dark' | 'light' | 'high-contrast' | 'high-contrast-light';

export interface Fallback {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  focus: string;
  tooltipBackground: string;
  series: string[];
  missing: string;
  reference: string;
}

// Series: VS Code's own `charts.*` blue, orange, green, red and purple, then colours of our own
// (per theme kind) and `charts.yellow` last; readTheme keeps only colours at least ΔE00 20 apart
// (colorDistance.ts), so yellow, nearly VS Code's orange, is used only where it stands apart.
// The first five entries are the fallbacks of the charts.* variables.
export const FALLBACKS: Record<ThemeKind, Fallback> = {
  dark: {
    background: '#1f1f1f',
    foreground: '#cccccc',
    muted: '#9d9d9d',
    grid: '#3c3c3c',
    border: '#454545',
    focus: '#0078d4',
    tooltipBackground: '#252526',
    series: ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#00b7c3', '#e565d1', '#a5a5a5', '#ffd866', '#ffffff', '#cca700'],
    missing: '#3a3a3a',
    reference: '#e0e0e0',
  },
  light: {
    background: '#ffffff',
    foreground: '#3b3b3b',
    muted: '#6f6f6f',
    grid: '#e5e5e5',
    border: '#c8c8c8',
    focus: '#005fb8',
    tooltipBackground: '#f8f8f8',
    series: ['#1a85ff', '#d18616', '#388a34', '#e51400', '#652d90', '#0e8a8a', '#c4318b', '#616161', '#0451a5', '#bf8803'],
    missing: '#dddddd',
    reference: '#1f1f1f',
  },
  'high-contrast': {
    background: '#000000',
    foreground: '#ffffff',
    muted: '#ffffff',
    grid: '#6fc3df',
    border: '#6fc3df',
    focus: '#f38518',
    tooltipBackground: '#000000',
    series: ['#3794ff', '#f38518', '#89d185', '#f14c4c', '#b180d7', '#ffffff', '#00ffff', '#ff8cd9', '#ffff00'],
    missing: '#404040',
    reference: '#ffffff',
  },
  'high-contrast-light': {
    background: '#ffffff',
    foreground: '#292929',
    muted: '#292929',
    grid: '#0f4a85',
    border: '#0f4a85',
    focus: '#006bbd',
    tooltipBackground: '#ffffff',
    series: ['#0f4a85', '#b5200d', '#007100', '#8f00c2', '#895503', '#4d4d4d', '#000000', '#0f8c8c', '#ab1f6b', '#006bbd'],
    missing: '#c8c8c8',
    reference: '#000000',
  },
};

/** The series colours tried for a theme kind without VS Code's variables, in order (readTheme filters them). */
export function seriesCandidates(kind: ThemeKind): readonly string[] {
  return FALLBACKS[kind].series;
}
