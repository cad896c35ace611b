/** The dashboard webview: waits for the host's data (after `webview/ready`) and live updates. */
import { applyAppStyles } from '../shared/appStyles';
import { listenToHost } from '../shared/hostMessages';
import { vscodeHost } from '../shared/host';
import { renderDashboard } from './dashboardView';

applyAppStyles();
const host = vscodeHost();
const root = document.getElementById('app') as HTMLElement;
const dashboard = renderDashboard(root, host, { title: 'Attention Lab Dashboard' });
listenToHost((m) => {
  switch (m.type) {
    case 'dashboard/data':
      dashboard.setData(m.experiments, m.focus, m.comparison ?? null);
      break;
    case 'run/metrics':
      dashboard.addMetrics(m.experiment, m.runId, m.records, m.replace);
      break;
    case 'run/status':
      dashboard.setRunStatus(m.experiment, m.run);
      break;
    case 'trace/result':
      dashboard.traceResult(m.requestId, m.paths, null);
      break;
    case 'trace/error':
      dashboard.traceResult(m.requestId, null, m.message);
      break;
    default:
      break;
  }
});
host.post({ type: 'webview/ready' });
