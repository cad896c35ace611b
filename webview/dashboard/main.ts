/** The dashboard webview: the host pushes its data (after `webview/ready`) and live updates. */
import { applyAppStyles } from '../shared/appStyles';
import { vscodeHost } from '../shared/host';
import { renderDashboard } from './dashboardView';

applyAppStyles();
const host = vscodeHost();
const root = document.getElementById('app') as HTMLElement;
const dashboard = renderDashboard(root, host, { title: 'Attention Lab Dashboard' });
host.on('dashboard/data', (m) => dashboard.setData(m.experiments, m.focus, m.comparison));
host.on('run/metrics', (m) => dashboard.addMetrics(m.experiment, m.runId, m.records, m.replace));
host.on('run/status', (m) => dashboard.setRunStatus(m.experiment, m.run));
host.ready();
