/**
 * analysis.json for one model (docs/analysis.md): the end of a run, a run folder's newest
 * checkpoint, or any checkpoint file. Every random choice comes from `settings.seed`, so the
 * same parameters give the same file (apart from createdAt and seconds).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisFile, AnalysisSettings } from '../../protocol/analysis';
import { ANALYSIS_VERSION } from '../../protocol/analysis';
import type { RunConfig } from '../../protocol/config';
import type { MetricsRecord } from '../../protocol/runFolder';
import { loadCheckpoint, restoreInto } from '../checkpoint/checkpoint';
import { readMetrics, readRunFile, RunFolderError } from '../../core/experiment/runFolder';
import { loadNewestValidCheckpoint } from '../checkpoint/newestValid';
import { writeJsonAtomic } from '../../core/io/atomicWrite';
import { createModel } from '../model/transformer';
import { buildNar, readNarOfCheckpoint } from '../nar/narCheckpoint';
import { Rng, hashSeed } from '../../core/random';
import { createTask } from '../../core/tasks';
import { GraphColoringTask } from '../../core/tasks/graphColoring';
import { attentionPatterns } from './attentionPatterns';
import { COLORING_GRAPHS, coloringAnalysis } from './coloringAnalysis';
import { NOISE_DRAWS, NOISE_EXAMPLES, NOISE_SIGMAS, checkNoiseProbe, softmaxNoiseAnalysis } from './softmaxNoise';
import { entropyAnalysis } from './attentionEntropy';
import { crossAttentionAnalysis } from './crossAttention';
import { lengthGeneralization } from './lengthGeneralization';
import type { AnalysisSubject } from './modelPasses';
import { SPREAD_BOUND, randomizedAnalysis } from './randomizedSeeds';
import { entropyOverTraining, optimizerDiagnostics } from '../../core/analysis/trainingDiagnostics';
import { stderrLogger, type Logger } from '../../core/log';
import { ANALYSIS_FILE, CHECKPOINT_DIR, RUN_FILE } from '../../protocol/runFolder';

export const DEFAULT_ANALYSIS_SEED = 1234;

/** Settings for a run config: bounded so the analysis stays a small fraction of a run's time. */
export function defaultAnalysisSettings(config: RunConfig, overrides: Partial<AnalysisSettings> = {}): AnalysisSettings {
  return {
    seed: DEFAULT_ANALYSIS_SEED,
    examplesPerLength: Math.min(64, config.train.evalExamples),
    randomSeeds: 16,
    randomInputs: Math.min(64, config.train.evalExamples),
    spreadBound: SPREAD_BOUND,
    collapseThreshold: 0.05,
    coloringGraphs: COLORING_GRAPHS,
    noiseSigmas: [...NOISE_SIGMAS],
    noiseExamples: Math.min(NOISE_EXAMPLES, config.train.evalExamples),
    noiseDraws: NOISE_DRAWS,
    ...overrides,
  };
}

export interface AnalyzeOptions {
  runId: string;
  experiment: string;
  source: AnalysisFile['source'];
  settings: AnalysisSettings;
  /** metrics.jsonl records of the run, for the over-training sections ([] for a bare checkpoint). */
  metrics: readonly MetricsRecord[];
}

export function analyzeModel(subject: AnalysisSubject, opts: AnalyzeOptions): AnalysisFile {
  const t0 = performance.now();
  const { settings } = opts;
  const { config } = subject;
  if (settings.randomSeeds < 1 || settings.examplesPerLength < 1 || settings.randomInputs < 1) {
    throw new Error('analysis settings: examplesPerLength, randomSeeds and randomInputs must be at least 1');
  }
  if (!(settings.spreadBound >= 0 && settings.spreadBound < 1)) throw new Error(`analysis settings: spreadBound must be in [0, 1), got ${settings.spreadBound}`);
  // Refused up front, before any section runs: a σ grid or probe that cannot fit.
  if (config.model.attention === 'softmax') {
    checkNoiseProbe(
      { sigmas: settings.noiseSigmas ?? NOISE_SIGMAS, examples: settings.noiseExamples ?? NOISE_EXAMPLES, draws: settings.noiseDraws ?? NOISE_DRAWS },
      { maxTokens: config.model.maxLen, layers: config.model.layers, heads: config.model.heads, vocab: config.model.vocabSize },
    );
  }
  // Independent streams per section, so adding a section never shifts another's numbers.
  const rng = (salt: number): Rng => new Rng(hashSeed(settings.seed, salt));
  const entropy = entropyAnalysis(subject, {
    lengths: config.task.evalLengths,
    examplesPerLength: settings.examplesPerLength,
    trainLengths: config.task.trainLengths,
    collapseThreshold: settings.collapseThreshold,
    rng: rng(1),
  });
  const patterns = attentionPatterns(subject, rng(2));
  const lengths = lengthGeneralization(subject, settings.examplesPerLength, rng(3));
  const randomized = randomizedAnalysis(subject, {
    inputs: settings.randomInputs,
    seeds: config.model.rseBits > 0 ? settings.randomSeeds : 1,
    referenceSeeds: settings.randomSeeds,
    adversarialInputs: Math.min(32, settings.randomInputs),
    spreadBound: settings.spreadBound,
    rng: rng(4),
  });
  const crossAttention = crossAttentionAnalysis(subject, { lengths: config.task.evalLengths, examplesPerLength: settings.examplesPerLength, rng: rng(5) });
  const coloring =
    subject.task instanceof GraphColoringTask
      ? coloringAnalysis(subject, subject.task, {
          seeds: config.model.rseBits > 0 ? settings.randomSeeds : 1,
          graphs: settings.coloringGraphs ?? COLORING_GRAPHS,
          spreadBound: settings.spreadBound,
          rng: rng(5),
        })
      : null;
  const softmaxNoise = softmaxNoiseAnalysis(subject, {
    sigmas: settings.noiseSigmas ?? NOISE_SIGMAS,
    examples: settings.noiseExamples ?? Math.min(NOISE_EXAMPLES, config.train.evalExamples),
    draws: settings.noiseDraws ?? NOISE_DRAWS,
    seed: hashSeed(settings.seed, 6),
    rng: rng(7),
  });
  return {
    version: ANALYSIS_VERSION,
    kind: 'run-analysis',
    runId: opts.runId,
    experiment: opts.experiment,
    source: opts.source,
    createdAt: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    config,
    settings,
    entropy,
    patterns,
    lengthGeneralization: lengths,
    randomized,
    entropyOverTraining: entropyOverTraining(opts.metrics),
    optimizer: optimizerDiagnostics(opts.metrics, config.optimizer.name),
    crossAttention,
    coloring,
    softmaxNoise,
  };
}

export function writeAnalysisFile(file: string, analysis: AnalysisFile): void {
  writeJsonAtomic(file, analysis);
}

/** Loads a checkpoint into a fresh model of its own config. The caller disposes subject.model. */
export async function subjectFromCheckpoint(file: string): Promise<{ subject: AnalysisSubject; step: number }> {
  const loaded = await loadCheckpoint(file);
  const config = loaded.metadata.runConfig;
  const task = createTask(config.task);
  const nar = config.model.nar ? buildNar(await readNarOfCheckpoint(config.model.nar, file)) : null;
  let model: ReturnType<typeof createModel>;
  try {
    model = createModel(config.model, config.seed, { inputFeatures: task.inputFeatures?.() ?? null, nar });
  } catch (err) {
    nar?.dispose();
    throw err;
  }
  try {
    restoreInto(loaded, model.params);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { subject: { config, task, model }, step: loaded.metadata.step };
}

/**
 * `attention-lab analyze <run-dir|checkpoint>`: analyses a run folder's newest checkpoint (written
 * to <run-dir>/analysis.json) or a checkpoint file (written next to it as step-N.analysis.json,
 * or to `out`). Returns the file written and the analysis.
 */
export async function analyzePath(
  target: string,
  options: { out?: string; settings?: Partial<AnalysisSettings>; log?: Logger } = {},
): Promise<{ file: string; analysis: AnalysisFile }> {
  const isDir = fs.existsSync(target) && fs.statSync(target).isDirectory();
  let checkpoint: string;
  let runDir: string | null = null;
  if (isDir) {
    runDir = target;
    const run = readRunFile(runDir);
    if (run.config.task.name === 'grid-world') {
      throw new RunFolderError(`${runDir}: a grid-world run is trained by evolution strategies: its agent acts in the grid, not on token sequences, so it has no attention analysis; its analysis is grid-world.json, written when the run completes`);
    }
    const log = options.log ?? stderrLogger();
    const warn = (m: string): void => log.log('warn', m);
    const latest = await loadNewestValidCheckpoint(runDir, warn);
    if (!latest) throw new RunFolderError(`${runDir}: the run has no usable checkpoint to analyse yet`);
    checkpoint = latest.file;
  } else {
    if (!fs.existsSync(target)) throw new RunFolderError(`${target}: no such file or folder`);
    checkpoint = target;
    // A checkpoint inside a run folder's checkpoints/ gets the run's metrics too.
    const maybeRun = path.dirname(path.dirname(target));
    if (path.basename(path.dirname(target)) === CHECKPOINT_DIR && fs.existsSync(path.join(maybeRun, RUN_FILE))) runDir = maybeRun;
  }
  const { subject, step } = await subjectFromCheckpoint(checkpoint);
  try {
    let experiment = '';
    if (runDir) {
      try {
        experiment = readRunFile(runDir).experiment;
      } catch {
        // metrics alone still help
      }
    }
    const metrics = runDir ? readMetrics(runDir).filter((r) => r.step <= step) : [];
    const analysis = analyzeModel(subject, {
      runId: subject.config.id,
      experiment,
      source: { kind: isDir ? 'run' : 'checkpoint', checkpoint: runDir ? path.relative(runDir, path.resolve(checkpoint)) : path.resolve(checkpoint), step },
      settings: defaultAnalysisSettings(subject.config, options.settings),
      metrics,
    });
    const file = options.out ?? (isDir ? path.join(target, ANALYSIS_FILE) : checkpoint.replace(/\.safetensors$/i, '') + '.analysis.json');
    writeAnalysisFile(file, analysis);
    return { file, analysis };
  } finally {
    subject.model.dispose();
  }
}
