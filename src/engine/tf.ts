/**
 * The one place the engine imports TensorFlow.js from. tfjs-core is used on its own (no
 * layers package), so gradients and the cpu/wasm backends are registered here by side effect.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
