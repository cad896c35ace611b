/**
 * Where the native setup puts Attention Lab's fused TensorFlow kernels (src/core/native/fusedKernels.c)
 * and where the engine looks for them: beside TensorFlow's own libraries in tfjs-node's deps/lib.
 * The file name carries the kernels' version, so a library built from an older source is never
 * loaded by a newer engine (it is rebuilt by the next setup). No vscode and no tfjs here.
 */
import * as path from 'node:path';

/** Must equal AL_KERNELS_VERSION in fusedKernels.c (test/native/fusedKernelsBuild.test.ts checks it). */
export const FUSED_KERNELS_VERSION = 3;
export const FUSED_KERNELS_FILE = `attention-lab-kernels.v${FUSED_KERNELS_VERSION}.so`;

/** The library's path for the tfjs-node package folder `pkgDir`. */
export function fusedKernelsPath(pkgDir: string): string {
  return path.join(pkgDir, 'deps', 'lib', FUSED_KERNELS_FILE);
}
