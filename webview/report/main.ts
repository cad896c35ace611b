/**
 * The static HTML report (`attention-lab report --html`): the dashboard's charts over the data
 * inlined in the page, with no host (exports download directly).
 */
import type { ReportData } from '../../src/protocol/viewData';
import { applyAppStyles } from '../shared/appStyles';
import { el, readJsonScript } from '../shared/dom';
import { staticHost } from '../shared/host';
import { renderDashboard } from '../dashboard/dashboardView';
import { applyReportTheme } from './reportTheme';

applyReportTheme();
applyAppStyles();
const root = document.getElementById('app') as HTMLElement;
const data = readJsonScript<ReportData>('report-data');
if (!data) {
  root.append(el('div', { class: 'al-error' }, 'This report has no data (the report-data script is missing).'));
} else {
  const dashboard = renderDashboard(root, staticHost(), { title: data.title });
  dashboard.setData(data.experiments, null);
  root.append(el('p', { class: 'al-muted' }, `Written ${data.createdAt} by Attention Lab.`));
}
