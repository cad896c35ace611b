/**
 * Every id the extension contributes in package.json, in one place: commands
 * (`attentionLab.<verb><Noun>`), views, the custom editor, the dashboard panel, the settings and
 * the context keys. The code uses these constants, never the strings; test/extension/manifest.test.ts
 * checks them against package.json both ways.
 */
export const COMMANDS = {
  runExperiment: 'attentionLab.runExperiment',
  runSpecFile: 'attentionLab.runSpecFile',
  stopRun: 'attentionLab.stopRun',
  resumeRun: 'attentionLab.resumeRun',
  openDashboard: 'attentionLab.openDashboard',
  openCheckpoint: 'attentionLab.openCheckpoint',
  compareRuns: 'attentionLab.compareRuns',
  exportReport: 'attentionLab.exportReport',
  showOptimizerPaths: 'attentionLab.showOptimizerPaths',
  refreshRuns: 'attentionLab.refreshRuns',
  revealRun: 'attentionLab.revealRun',
  deleteRun: 'attentionLab.deleteRun',
  showLog: 'attentionLab.showLog',
  showLiveRun: 'attentionLab.showLiveRun',
  setUpNativeBackend: 'attentionLab.setUpNativeBackend',
  cancelSlurmJobs: 'attentionLab.cancelSlurmJobs',
  editRunTags: 'attentionLab.editRunTags',
  editRunNote: 'attentionLab.editRunNote',
  renameExperiment: 'attentionLab.renameExperiment',
  newExperimentSpec: 'attentionLab.newExperimentSpec',
} as const;

export const VIEWS = {
  container: 'attentionLab',
  runs: 'attentionLab.runs',
  liveRun: 'attentionLab.liveRun',
} as const;

export const CUSTOM_EDITORS = {
  checkpointInspector: 'attentionLab.checkpointInspector',
} as const;

/** Webview panels (their view types; restored after a reload through `onWebviewPanel:`). */
export const PANELS = {
  dashboard: 'attentionLab.dashboard',
} as const;

/** The configuration section and its settings (`attentionLab.<key>`). */
export const SETTINGS_SECTION = 'attentionLab';
export const SETTING_KEYS = ['runsFolder', 'backend', 'parallelRuns', 'nodePath', 'nativeModulesPath', 'runOn', 'slurm'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
/** `attentionLab.<key>`: the setting's full id, as package.json and the Settings UI name it. */
export function settingId(key: SettingKey): string {
  return `${SETTINGS_SECTION}.${key}`;
}

/** The status-bar item (not contributed in package.json). */
export const STATUS_BAR_ID = 'attentionLab.status';

/** Context keys set with `setContext`, used in `when` clauses. */
export const CONTEXT_KEYS = {
  running: 'attentionLab.running',
  /** Whether the runs folder holds an experiment: Resume Run, Compare Selected Runs and Export Report are offered only then. */
  hasRuns: 'attentionLab.hasRuns',
  activeEditorIsSpec: 'attentionLab.activeEditorIsSpec',
} as const;
