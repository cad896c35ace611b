/** What runTraining is given and what it reports while a run trains (gradient and grid-world runs alike). */
import type { BackendName } from '../../protocol/backend';
import type { RunConfig } from '../../protocol/config';
import type { RunEnd, RunnerEvent } from '../../protocol/runner';
import type { Logger } from '../../core/log';

export type { RunEnd };
/** What a run reports while it trains (its end is runTraining's result). */
export type TrainingEvent = Extract<RunnerEvent, { type: 'run/progress' | 'run/eval' | 'run/checkpoint' }>;

export interface RunTrainingOptions {
  runDir: string;
  experiment: string;
  config: RunConfig;
  backend: BackendName;
  /** Continue from the run folder's latest checkpoint. */
  resume: boolean;
  /** Polled between steps with the number of steps completed; true stops the run (status cancelled). */
  isCancelled: (stepsDone: number) => boolean;
  onEvent: (event: TrainingEvent) => void;
  /** Where warnings go (a damaged checkpoint skipped, an analysis that failed); default: stderr. */
  log?: Logger;
  /** Called between steps so the event loop can deliver messages (e.g. a cancel). */
  yieldToEventLoop?: () => Promise<void>;
  /** A grid-world run's evolution-strategies population: processes that evaluate it (1 or undefined: this one alone; es/populationPool.ts). */
  populationProcesses?: number;
}
