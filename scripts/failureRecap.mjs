// A node:test reporter that writes only the failed tests — name, file and error — for
// scripts/test.mjs to print again after the last suite. A failure early in `npm test` is otherwise
// thousands of lines above the end of the output, where a CI log that keeps only its tail loses it.
import { relative } from 'node:path';
import process from 'node:process';

const MAX_LINES = 25;

/** The error's own text: node:test wraps a test's error in ERR_TEST_FAILURE with it as the cause. */
function errorText(error) {
  const inner = error?.code === 'ERR_TEST_FAILURE' && error.cause !== undefined ? error.cause : error;
  const text = inner instanceof Error ? inner.stack ?? `${inner.name}: ${inner.message}` : String(inner);
  // Node's own frames say nothing about the failure.
  // eslint-disable-next-line no-control-regex -- colour codes (Playwright's call logs) read as noise in a log file
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => !/^\s*at (.*\()?node:/.test(l) && !/^\s*at (new )?(Safe)?Promise|^\s*at Array\.map/.test(l));
  return lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… (${lines.length - MAX_LINES} more lines)`] : lines;
}

export default async function* failureRecap(source) {
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, details } = event.data;
    // A suite fails when a test in it fails: its own error says only that, and is left out.
    if (details?.error?.failureType === 'subtestsFailed') continue;
    const where = file ? ` (${relative(process.cwd(), file)})` : '';
    yield `✖ ${name}${where}\n${errorText(details?.error).map((l) => `    ${l}`).join('\n')}\n\n`;
  }
}
