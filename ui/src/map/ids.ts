// Constant source and layer ids: the style is built from these, never from strings elsewhere.
export const SRC = {
  context: 'src-context',
  districts: 'src-districts',
  streets: 'src-streets',
  communities: 'src-communities',
  subgrids: 'src-subgrids',
  roads: 'src-roads',
  circles: 'src-circles',
  stations: 'src-stations',
  buildings: 'src-buildings',
  cameras: 'src-cameras',
  cases: 'src-cases',
  gaps: 'src-gaps',
  labels: 'src-labels',
} as const;

export const LYR = {
  background: 'background',
  contextFill: 'context-fill',
  contextLine: 'context-line',
  contextLabel: 'context-label',
  districtFill: 'district-fill',
  districtGlow: 'district-glow',
  districtLine: 'district-line',
  districtLabel: 'district-label',
  streetFill: 'street-fill',
  streetLine: 'street-line',
  streetLabel: 'street-label',
  communityFill: 'community-fill',
  communityLine: 'community-line',
  communityLabel: 'community-label',
  subgridFill: 'subgrid-fill',
  subgridLine: 'subgrid-line',
  subgridLabel: 'subgrid-label',
  selectedLine: 'selected-line',
  roadsArterial: 'roads-arterial',
  roadsSecondary: 'roads-secondary',
  roadsMinor: 'roads-minor',
  roadsLabel: 'roads-label',
  gapsFill: 'gaps-fill',
  gapsLine: 'gaps-line',
  circleAppealFill: 'circle-appeal-fill',
  circleAppealLine: 'circle-appeal-line',
  circleLegalFill: 'circle-legal-fill',
  circleLegalLine: 'circle-legal-line',
  circlePsychFill: 'circle-psych-fill',
  circlePsychLine: 'circle-psych-line',
  buildingClusters: 'building-clusters',
  buildingClusterCount: 'building-cluster-count',
  buildingPoints: 'building-points',
  cameras: 'cameras',
  stations: 'stations',
  stationLabels: 'station-labels',
  casesPulse: 'cases-pulse',
  casesRecent: 'cases-recent',
  cases: 'cases',
} as const;

/** The toggles of the layer panel and the map layers each one shows or hides. */
export const TOGGLES = {
  context: [LYR.contextFill, LYR.contextLine, LYR.contextLabel],
  streets: [LYR.streetFill, LYR.streetLine, LYR.streetLabel],
  communities: [LYR.communityFill, LYR.communityLine, LYR.communityLabel],
  subgrids: [LYR.subgridFill, LYR.subgridLine, LYR.subgridLabel],
  roads: [LYR.roadsArterial, LYR.roadsSecondary, LYR.roadsMinor, LYR.roadsLabel],
  stations: [LYR.stations, LYR.stationLabels],
  'circle.appeal': [LYR.circleAppealFill, LYR.circleAppealLine],
  'circle.legal': [LYR.circleLegalFill, LYR.circleLegalLine],
  'circle.psych': [LYR.circlePsychFill, LYR.circlePsychLine],
  buildings: [LYR.buildingClusters, LYR.buildingClusterCount, LYR.buildingPoints],
  cameras: [LYR.cameras],
  cases: [LYR.casesRecent, LYR.cases, LYR.casesPulse],
  gaps: [LYR.gapsFill, LYR.gapsLine],
} as const;

export type Toggle = keyof typeof TOGGLES;

/** What is shown at start. */
export const DEFAULT_ON: Record<Toggle, boolean> = {
  context: true, streets: true, communities: true, subgrids: true, roads: true, stations: true,
  'circle.appeal': false, 'circle.legal': false, 'circle.psych': false,
  buildings: true, cameras: false, cases: true, gaps: false,
};

/** The local CJK font MapLibre draws labels with (fonts-noto-cjk); no glyph URL anywhere. */
export const FONT = ['Noto Sans CJK SC Regular'];
export const FONT_BOLD = ['Noto Sans CJK SC Bold'];
