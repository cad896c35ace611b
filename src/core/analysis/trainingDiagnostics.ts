/**
 * Entropy and optimizer diagnostics over training, from a run's metrics.jsonl records
 * (EntropyRecord, OptimRecord) to the chart-shaped sections of analysis.json.
 */
import type { EntropyOverTraining, OptimizerDiagnostics } from '../../protocol/analysis';
import type { EntropyRecord, MetricsRecord, OptimRecord } from '../../protocol/runFolder';

export function entropyOverTraining(records: readonly MetricsRecord[]): EntropyOverTraining | null {
  const rs = records.filter((r): r is EntropyRecord => r.kind === 'entropy');
  const first = rs[0];
  if (!first) return null;
  const steps = rs.map((r) => r.step);
  return {
    length: first.length,
    steps,
    meanEntropy: {
      rowLabels: first.heads,
      columnLabels: steps.map(String),
      values: first.heads.map((_, h) => rs.map((r) => r.meanEntropy[h] ?? null)),
    },
    meanNormalized: {
      rowLabels: first.heads,
      columnLabels: steps.map(String),
      values: first.heads.map((_, h) => rs.map((r) => r.meanNormalized[h] ?? null)),
    },
    minEntropy: rs.map((r) => Math.min(...r.meanEntropy)),
    minNormalized: rs.map((r) => Math.min(...r.meanNormalized)),
  };
}

export function optimizerDiagnostics(records: readonly MetricsRecord[], optimizer: string): OptimizerDiagnostics | null {
  const rs = records.filter((r): r is OptimRecord => r.kind === 'optim');
  const first = rs[0];
  if (!first) return null;
  const steps = rs.map((r) => r.step);
  const names = first.tensors.map((t) => t.name);
  const byName = (r: OptimRecord): Map<string, OptimRecord['tensors'][number]> => new Map(r.tensors.map((t) => [t.name, t]));
  const maps = rs.map(byName);
  const columnLabels = steps.map(String);
  const tiger = first.tensors.some((t) => t.effectiveStep !== null);
  const kinds = first.groups?.map((g) => g.kind) ?? [];
  const weighed = rs.every((r) => r.weightRms !== undefined && r.groups !== undefined);
  const kindValue = (r: OptimRecord, kind: string, pick: 'weightRms' | 'maxAbs'): number | null => r.groups?.find((g) => g.kind === kind)?.[pick] ?? null;
  return {
    optimizer,
    steps,
    updateRms: rs.map((r) => r.updateRms),
    signAgreement: rs.map((r) => r.signAgreement),
    nanEvents: rs.map((r) => r.nanEvents),
    stateBytes: (rs.at(-1) as OptimRecord).stateBytes,
    tensorUpdateRms: { rowLabels: names, columnLabels, values: names.map((n) => maps.map((m) => m.get(n)?.updateRms ?? null)) },
    tigerEffectiveStep: tiger ? { rowLabels: names, columnLabels, values: names.map((n) => maps.map((m) => m.get(n)?.effectiveStep ?? null)) } : null,
    weightRms: weighed
      ? { rowLabels: ['all', ...kinds], columnLabels, values: [rs.map((r) => r.weightRms ?? null), ...kinds.map((k) => rs.map((r) => kindValue(r, k, 'weightRms')))] }
      : null,
    weightMaxAbs: weighed ? { rowLabels: [...kinds], columnLabels, values: kinds.map((k) => rs.map((r) => kindValue(r, k, 'maxAbs'))) } : null,
    tensorWeightRms: weighed ? { rowLabels: names, columnLabels, values: names.map((n) => maps.map((m) => m.get(n)?.weightRms ?? null)) } : null,
  };
}
