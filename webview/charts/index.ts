/** The chart library: pure functions `(element, data, options) => ChartHandle`. */
export { lineChart } from './lineChart';
export { heatmap, heatmapColor } from './heatmap';
export { attentionPattern } from './attentionPattern';
export { attentionGrid } from './attentionGrid';
export { barChart } from './barChart';
export { tableChart } from './table';
export { sortRows } from './sortRows';
export { contourPaths } from './contourPaths';
export { histogram } from './histogram';
export { coloredGraph, ringOrder } from './coloredGraph';
export { gridTrajectories } from './gridTrajectories';
export { functionGrid, contourFromTraces } from './functionGrid';
export type { TraceLike } from './functionGrid';
export { ema } from './ema';
export { formatValue, formatFixed } from './format';
export type { ChartHandle, ChartTarget } from './handle';
export type * from './types';
