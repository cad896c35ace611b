export { exportCsv } from './exportCsv';
export { exportSvg } from './exportSvg';
export { exportPng } from './exportPng';
export { attachExportMenu, downloadFile, exportChart } from './exportMenu';
export type { Exportable, ExportFile, ExportFormat, ExportMenuOptions } from './exportMenu';
