/**
 * The apps' page styles, applied as a constructed stylesheet (needs no style-src under the CSP,
 * webview-notes.md). Colours come from VS Code's theme variables, with fallbacks for the static
 * report.
 */
const CSS = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 0 16px 24px; font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #333); background: var(--vscode-editor-background, #fff); }
h1 { font-size: 1.4em; font-weight: 600; margin: 16px 0 8px; }
h2 { font-size: 1.1em; font-weight: 600; margin: 0; }
.al-muted { color: var(--vscode-descriptionForeground, #777); }
.al-error { color: var(--vscode-errorForeground, #c00); white-space: pre-wrap; border: 1px solid var(--vscode-inputValidation-errorBorder, #c00);
  padding: 8px 12px; margin: 12px 0; }
.al-empty { padding: 24px; text-align: center; color: var(--vscode-descriptionForeground, #777); border: 1px dashed var(--vscode-panel-border, #ccc); margin: 8px 0; }
.al-toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 8px 0 12px; }
.al-control { display: inline-flex; flex-direction: column; gap: 2px; font-size: 0.9em; }
.al-check { flex-direction: row; align-items: center; gap: 6px; }
select, input[type=text], input[type=number] { background: var(--vscode-dropdown-background, #fff); color: var(--vscode-dropdown-foreground, inherit);
  border: 1px solid var(--vscode-dropdown-border, #ccc); padding: 3px 6px; font: inherit; min-height: 24px; }
input[type=text] { background: var(--vscode-input-background, Canvas); color: var(--vscode-input-foreground, CanvasText); border: 1px solid var(--vscode-input-border, #888); }
button { background: var(--vscode-button-background, #0078d4); color: var(--vscode-button-foreground, #fff); border: 1px solid var(--vscode-button-border, transparent);
  padding: 4px 12px; font: inherit; cursor: pointer; min-height: 26px; }
button:hover { background: var(--vscode-button-hoverBackground, #026ec1); }
button.al-secondary { background: var(--vscode-button-secondaryBackground, #e5e5e5); color: var(--vscode-button-secondaryForeground, #333); }
:focus-visible { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: 1px; }
.al-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 16px; }
.al-card { border: 1px solid var(--vscode-panel-border, #ddd); padding: 10px 12px; min-width: 0; }
.al-card.al-wide { grid-column: 1 / -1; }
.al-card-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; margin-bottom: 6px; }
.al-card-body { min-height: 60px; }
.al-section { margin: 20px 0 8px; }
.al-grid > .al-section { grid-column: 1 / -1; margin-bottom: 0; }
table.al-plain { border-collapse: collapse; width: 100%; }
table.al-plain th, table.al-plain td { text-align: left; vertical-align: top; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, #eee); }
table.al-plain td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.al-selected { background: var(--vscode-list-activeSelectionBackground, rgba(0, 120, 212, 0.35)); color: var(--vscode-list-activeSelectionForeground, inherit); }
tr.al-clickable:hover { background: var(--vscode-list-hoverBackground, rgba(128, 128, 128, 0.15)); }
tr.al-clickable { cursor: pointer; }
.al-progress { height: 4px; background: var(--vscode-progressBar-background, #0078d4); }
.al-progress-track { height: 4px; background: var(--vscode-panel-border, #ddd); margin: 4px 0; }
`;

let applied = false;

export function applyAppStyles(doc: Document = document): void {
  if (applied) return;
  applied = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
}
