/** What a user may ask for on the command line, in a spec or in the settings. */
export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
/** The tfjs backend actually in use (`tensorflow` is @tensorflow/tfjs-node). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
