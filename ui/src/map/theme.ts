// The two palettes. Layers take every colour from here, so a theme switch is re-running the
// idempotent layer functions with the other palette.
export type ThemeName = 'dark' | 'light';

export interface Palette {
  background: string;
  contextFill: string; contextLine: string; contextText: string;
  districtFill: string; districtLine: string; districtGlow: string;
  streetLine: string; communityLine: string; subgridLine: string;
  text: string; textHalo: string; subText: string;
  roadMajor: string; roadMinor: string; roadText: string;
  safe: string; general: string; warning: string;
  appeal: string; legal: string; psych: string;
  gap: string;
  grade1: string; grade2: string; grade3: string;
  camera: string; selected: string;
}

export const PALETTES: Record<ThemeName, Palette> = {
  dark: {
    background: '#050d1a',
    contextFill: '#0a1a2e', contextLine: '#1e3a5f', contextText: '#4b6a8f',
    districtFill: '#0c2340', districtLine: '#38bdf8', districtGlow: '#0ea5e9',
    streetLine: '#7dd3fc', communityLine: '#3b82c4', subgridLine: '#b91c1c',
    text: '#e0f2fe', textHalo: '#020817', subText: '#93c5fd',
    roadMajor: '#1d4e7a', roadMinor: '#143454', roadText: '#5b84ad',
    safe: '#22c55e', general: '#facc15', warning: '#ef4444',
    appeal: '#22d3ee', legal: '#a78bfa', psych: '#34d399',
    gap: '#f97316',
    grade1: '#ff2d55', grade2: '#ff9f0a', grade3: '#ffd60a',
    camera: '#cbd5e1', selected: '#fde047',
  },
  light: {
    background: '#eef2f6',
    contextFill: '#e2e8f0', contextLine: '#94a3b8', contextText: '#64748b',
    districtFill: '#ffffff', districtLine: '#0369a1', districtGlow: '#7dd3fc',
    streetLine: '#0c4a6e', communityLine: '#2563eb', subgridLine: '#dc2626',
    text: '#0f172a', textHalo: '#ffffff', subText: '#1e40af',
    roadMajor: '#cbd5e1', roadMinor: '#e2e8f0', roadText: '#64748b',
    safe: '#16a34a', general: '#ca8a04', warning: '#dc2626',
    appeal: '#0891b2', legal: '#7c3aed', psych: '#059669',
    gap: '#ea580c',
    grade1: '#e11d48', grade2: '#ea580c', grade3: '#ca8a04',
    camera: '#334155', selected: '#f59e0b',
  },
};
