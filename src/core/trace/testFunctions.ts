/** A point (x, y) of the plane. */
export type Point = readonly [number, number];

/**
 * A 2-D function to watch an optimizer on: values and analytic gradients in plain doubles
 * (the trace evaluates them on the optimizer's float32 parameters), a standard start point,
 * the global minima (the first is the canonical one) and a domain that frames start and minima.
 */
export interface TestFunction {
  readonly name: TraceFunctionName;
  /** The formula in plain text, for legends and reports. */
  readonly formula: string;
  f(x: number, y: number): number;
  grad(x: number, y: number): Point;
  readonly start: Point;
  /** Global minima; the first is the one reported as `minimum`. */
  readonly minima: readonly Point[];
  /** Value at the minima. */
  readonly minValue: number;
  /** Plot domain: x ∈ [x[0], x[1]], y ∈ [y[0], y[1]]. */
  readonly domain: { readonly x: Point; readonly y: Point };
}

export type TraceFunctionName = 'rosenbrock' | 'beale' | 'quadratic' | 'himmelblau' | 'saddle';

/** Rosenbrock's banana valley: easy to reach, slow to follow to (1, 1). Classic start (−1.2, 1). */
const rosenbrock: TestFunction = {
  name: 'rosenbrock',
  formula: '(1 − x)² + 100 (y − x²)²',
  f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  grad: (x, y) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
  start: [-1.2, 1],
  minima: [[1, 1]],
  minValue: 0,
  domain: { x: [-2, 2], y: [-1, 3] },
};

/** Beale: flat plateaus and steep walls; minimum (3, 0.5). */
const beale: TestFunction = {
  name: 'beale',
  formula: '(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
  f: (x, y) => (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
  grad: (x, y) => {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y ** 3;
    return [
      2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1),
      2 * a * x + 2 * b * (2 * x * y) + 2 * c * (3 * x * y * y),
    ];
  },
  start: [1, 1.5],
  minima: [[3, 0.5]],
  minValue: 0,
  domain: { x: [-4.5, 4.5], y: [-4.5, 4.5] },
};

/**
 * An ill-conditioned bowl, 0.5 (x² + 25 y²): curvatures 1 and 25 (condition number 25), so
 * plain SGD must use a step below 2/25 and then crawls along x, while sign-based and
 * per-coordinate-normalised methods (Lion, Tiger, AdamW) move both coordinates alike.
 */
const quadratic: TestFunction = {
  name: 'quadratic',
  formula: '0.5 (x² + 25 y²)',
  f: (x, y) => 0.5 * (x * x + 25 * y * y),
  grad: (x, y) => [x, 25 * y],
  start: [-4, 2],
  minima: [[0, 0]],
  minValue: 0,
  domain: { x: [-5, 5], y: [-3, 3] },
};

/**
 * Himmelblau: four global minima with value 0. The start (−1, −1) is off the origin on
 * purpose: Tiger's step is proportional to the RMS of (x, y), so it cannot leave (0, 0).
 */
const himmelblau: TestFunction = {
  name: 'himmelblau',
  formula: '(x² + y − 11)² + (x + y² − 7)²',
  f: (x, y) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
  grad: (x, y) => {
    const a = x * x + y - 11;
    const b = x + y * y - 7;
    return [4 * x * a + 2 * b, 2 * a + 4 * y * b];
  },
  start: [-1, -1],
  minima: [
    [3, 2],
    [-2.805118, 3.131312],
    [-3.77931, -3.283186],
    [3.584428, -1.848126],
  ],
  minValue: 0,
  domain: { x: [-5, 5], y: [-5, 5] },
};

/**
 * A saddle with a floor, x²/2 + y⁴/4 − y²/2: a saddle point at the origin and minima at
 * (0, ±1) with value −1/4. The start (−2, 0.01) sits almost on the ridge y = 0, where the
 * gradient in y is tiny: SGD lingers near the saddle, sign-based methods leave it at once.
 */
const saddle: TestFunction = {
  name: 'saddle',
  formula: 'x²/2 + y⁴/4 − y²/2',
  f: (x, y) => 0.5 * x * x + 0.25 * y ** 4 - 0.5 * y * y,
  grad: (x, y) => [x, y ** 3 - y],
  start: [-2, 0.01],
  minima: [
    [0, 1],
    [0, -1],
  ],
  minValue: -0.25,
  domain: { x: [-2.5, 2.5], y: [-2, 2] },
};

const FUNCTIONS: Readonly<Record<TraceFunctionName, TestFunction>> = { rosenbrock, beale, quadratic, himmelblau, saddle };

/** Names accepted by `getTestFunction` and `attention-lab trace --function`. */
export const TRACE_FUNCTION_NAMES: readonly TraceFunctionName[] = ['rosenbrock', 'beale', 'quadratic', 'himmelblau', 'saddle'];

/** The test function of that name; an Error listing the valid names otherwise. */
export function getTestFunction(name: string): TestFunction {
  if (!(TRACE_FUNCTION_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown test function '${name}' (expected one of: ${TRACE_FUNCTION_NAMES.join(', ')})`);
  }
  return FUNCTIONS[name as TraceFunctionName];
}
