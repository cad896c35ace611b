/**
 * Text for HTML pages, in one place: the webviews' pages (src/extension/views/webviewHtml.ts)
 * and the self-contained HTML report (htmlReport.ts) escape with these.
 */

/** Text and attribute values: `& < > " '` as entities. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>`, `&` and the two
 * JavaScript line separators are escaped, so no `</script>` or comment opener can appear.
 */
export function jsonForScriptTag(value: unknown): string {
  return JSON.stringify(value ?? null).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
