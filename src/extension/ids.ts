/**
 * Every id the extension contributes in package.json, in one place: commands
 * (`attentionLab.<verb><Noun>`), views, the custom editor and the context keys. The webview apps
 * (src/extension/views/) register their providers under these ids.
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

export const PANELS = {
  dashboard: 'attentionLab.dashboard',
} as const;

/** Context keys set with `setContext`, used in `when` clauses. */
export const CONTEXT_KEYS = {
  running: 'attentionLab.running',
  hasRuns: 'attentionLab.hasRuns',
  activeEditorIsSpec: 'attentionLab.activeEditorIsSpec',
} as const;
