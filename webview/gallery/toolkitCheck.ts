/**
 * A page for the browser test of webview/ui/toolkit.ts (bundled by the test with esbuild, not
 * by the build: it is not an app): one control from each helper, under the webview CSP, with the
 * events the user's actions produce recorded on `window.toolkitCheck`.
 */
import { badge, button, checkbox, dataGrid, divider, dropdown, panels, progressRing, registerToolkit, slider, textField } from '../ui/toolkit';
import type { ToolkitCheckWindow } from './galleryApi';

const events: string[] = [];
const cspViolations: string[] = [];
(window as unknown as ToolkitCheckWindow).toolkitCheck = { events, cspViolations };
document.addEventListener('securitypolicyviolation', (e) => cspViolations.push(`${e.violatedDirective}: ${e.sample || e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));

registerToolkit();
registerToolkit(); // idempotent
const loss = document.createElement('div');
loss.textContent = 'loss view';
const entropy = document.createElement('div');
entropy.textContent = 'entropy view';
document.body.append(
  button('Run', () => events.push('run'), { appearance: 'primary' }),
  dropdown(
    [
      { value: 'adamw', label: 'AdamW' },
      { value: 'lion', label: 'Lion' },
    ],
    'adamw',
    (v) => events.push(`optimizer:${v}`),
    'Optimizer',
  ),
  checkbox('log scale', false, (c) => events.push(`log:${c}`)),
  textField('Input', '3 1 2', (v) => events.push(`input:${v}`)),
  slider('Smoothing', 0, 0.99, 0.01, 0.6, (v) => events.push(`smoothing:${v}`)),
  badge('3 runs'),
  divider(),
  progressRing('Training'),
  panels(
    [
      { id: 'loss', label: 'Loss', content: loss },
      { id: 'entropy', label: 'Entropy', content: entropy },
    ],
    'loss',
    (id) => events.push(`tab:${id}`),
  ),
  dataGrid(
    [
      { key: 'name', title: 'name' },
      { key: 'shape', title: 'shape' },
    ],
    [{ name: 'embed.token', shape: '[16, 64]' }],
    'Tensors',
  ),
);
