/**
 * A worker process of a grid-world run's evolution-strategies population (dist/es-worker.js,
 * forked by populationPool.ts): it builds the run's fitness once ('es/init'), then evaluates the
 * pairs it is sent ('es/pairs'), drawing their perturbations from the step's stream itself so that
 * only θ and the seeds travel. No tfjs: the agent runs on the host. It exits when its run
 * disconnects (the run ended, was cancelled or died) or on SIGTERM.
 */
import { RpcEndpoint, type Envelope } from '../../protocol/rpc';
import { ES_RUN_GUARDS, ES_WORKER_GUARDS, type EsRunApi, type EsWorkerApi } from '../../protocol/esPopulation';
import { GridWorldFitness } from './gridFitness';

if (!process.send) throw new Error('es-worker.js runs as a forked child process of a grid-world run');

const endpoint = new RpcEndpoint<EsWorkerApi, EsRunApi>(
  {
    post: (m: Envelope) => {
      if (process.connected) process.send?.(m, undefined, {}, () => undefined);
    },
    listen: (h) => {
      process.on('message', h);
      return () => process.off('message', h);
    },
  },
  ES_WORKER_GUARDS,
  ES_RUN_GUARDS,
);

let fitness: GridWorldFitness | null = null;

endpoint.handle('es/init', ({ config }) => {
  fitness = new GridWorldFitness(config);
  return { parameters: fitness.layout.size };
});
endpoint.handle('es/pairs', (p) => {
  if (!fitness) throw new Error('es/pairs before es/init');
  return fitness.pairFitness({ theta: p.theta, seeds: p.seeds, q: p.q, noiseSeed: p.noiseSeed }, p.indices);
});

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
// Ctrl-C reaches the whole process group: the run decides when to stop (it disconnects).
process.on('SIGINT', () => undefined);
