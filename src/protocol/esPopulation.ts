/**
 * Messages between a grid-world run and the worker processes that evaluate its evolution-strategies
 * population (src/engine/es/populationPool.ts, esWorker.ts). The run sends its config once, then
 * per step θ, the step's seeds, q, the seed of its perturbation stream and the pairs a worker
 * evaluates; the worker draws those pairs' perturbations itself and replies with their fitness.
 * Typed arrays travel as such (Node's advanced IPC serialization).
 */
import type { RunConfig } from './config';
import { is, type ApiGuards, type RpcApi } from './rpc';

export interface EsInitParams {
  config: RunConfig;
}
export interface EsPairsParams {
  theta: Float32Array;
  seeds: Float32Array[];
  q: number;
  noiseSeed: number;
  /** Pair indices to evaluate (into the step's population/2 pairs). */
  indices: number[];
}
export interface EsPairsResult {
  /** F(θ + σε_i), F(θ − σε_i) for `indices`, in their order. */
  plus: number[];
  minus: number[];
}

/** What a population worker serves. */
export interface EsWorkerApi extends RpcApi {
  requests: {
    /** Builds the fitness for the run's config; replies with the agent's parameter count. */
    'es/init': { params: EsInitParams; result: { parameters: number } };
    'es/pairs': { params: EsPairsParams; result: EsPairsResult };
  };
  events: Record<never, never>;
}

/** The run serves nothing to its population workers. */
export interface EsRunApi extends RpcApi {
  requests: Record<never, never>;
  events: Record<never, never>;
}

const isFloat32Array = is.that<Float32Array>('a Float32Array', (v) => v instanceof Float32Array);

export const ES_WORKER_GUARDS: ApiGuards<EsWorkerApi> = {
  params: {
    'es/init': is.object({ config: is.objectAs<RunConfig>() }),
    'es/pairs': is.object({ theta: isFloat32Array, seeds: is.arrayOf(isFloat32Array), q: is.number, noiseSeed: is.integer, indices: is.arrayOf(is.integer) }),
  },
  results: {
    'es/init': is.object({ parameters: is.integer }),
    'es/pairs': is.object({ plus: is.arrayOf(is.number), minus: is.arrayOf(is.number) }),
  },
  events: {},
};

export const ES_RUN_GUARDS: ApiGuards<EsRunApi> = { params: {}, results: {}, events: {} };
