/**
 * Checks a parsed analysis.json before a reader uses it (summary, report, dashboard): the fields
 * they read must have their types, so a damaged file (`"entropy": null`) is reported and treated
 * as missing instead of crashing the reader further on.
 */
import { ANALYSIS_VERSION } from '../../protocol/analysis';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): boolean => v === null || typeof v === 'number';

/** The first problem (a JSON path and what was expected), or null when the file is usable. */
export function analysisFileProblem(a: unknown): string | null {
  if (!isObj(a)) return '$: expected an analysis object';
  if (a.version !== ANALYSIS_VERSION || a.kind !== 'run-analysis') return `$.version/$.kind: expected version ${ANALYSIS_VERSION} of a run analysis`;
  const e = a.entropy;
  if (!isObj(e)) return '$.entropy: expected an object';
  if (!numOrNull(e.meanEntropySlope)) return '$.entropy.meanEntropySlope: expected a number or null';
  if (!numOrNull(e.meanNormalizedSlope)) return '$.entropy.meanNormalizedSlope: expected a number or null';
  if (e.minimum !== null && e.minimum !== undefined && (!isObj(e.minimum) || typeof e.minimum.head !== 'string' || !numOrNull(e.minimum.meanNormalized))) {
    return '$.entropy.minimum: expected null or {head, meanNormalized, …}';
  }
  if (!Array.isArray(e.lengths) || e.lengths.some((x) => typeof x !== 'number')) return '$.entropy.lengths: expected a list of lengths';
  if (!Array.isArray(e.heads) || !Array.isArray(e.entropySlopes) || !Array.isArray(e.normalizedSlopes)) return '$.entropy.heads/entropySlopes/normalizedSlopes: expected lists';
  for (const key of ['meanEntropy', 'meanNormalized'] as const) {
    const m = e[key];
    if (!isObj(m) || !Array.isArray(m.values) || m.values.some((row) => !Array.isArray(row) || row.some((x) => !numOrNull(x))) || !Array.isArray(m.columnLabels)) {
      return `$.entropy.${key}: expected a labeled matrix of numbers`;
    }
  }
  const rt = e.retrieval;
  if (rt !== null && rt !== undefined && (!isObj(rt) || typeof rt.head !== 'string' || !Array.isArray(rt.byLength) || rt.byLength.some((b) => !isObj(b) || typeof b.length !== 'number' || typeof b.entropy !== 'number' || typeof b.keyMass !== 'number'))) {
    return '$.entropy.retrieval: expected null or {head, byLength: [{length, keyMass, entropy, …}], …}';
  }
  const lg = a.lengthGeneralization;
  if (!isObj(lg) || !Array.isArray(lg.rows) || lg.rows.some((r) => !isObj(r) || typeof r.length !== 'number' || !isObj(r.failures))) {
    return '$.lengthGeneralization.rows: expected a list of rows with length and failures';
  }
  const r = a.randomized;
  if (!isObj(r)) return '$.randomized: expected an object';
  if (!isObj(r.properlyRandom) || !numOrNull(r.properlyRandom.fraction)) return '$.randomized.properlyRandom.fraction: expected a number or null';
  if (!isObj(r.majorityVote) || !Array.isArray(r.majorityVote.accuracy)) return '$.randomized.majorityVote.accuracy: expected a list';
  if (!isObj(r.loss) || !numOrNull(r.loss.worst)) return '$.randomized.loss: expected {mean, p95, worst}';
  if (r.adversarial !== null && r.adversarial !== undefined && !isObj(r.adversarial)) return '$.randomized.adversarial: expected an object or null';
  return null;
}
