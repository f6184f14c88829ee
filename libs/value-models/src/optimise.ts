/**
 * Quasi-Newton (BFGS) minimisation with a backtracking line search.
 *
 * Why not Nelder–Mead: both likelihoods here have cheap exact gradients, and BFGS needs ~10× fewer evaluations
 * (tens instead of hundreds), which is what keeps a fit on 100k customers within a second or two.
 */

// Math's functions as module constants: jest runs tests in a vm sandbox where every lookup of a global is slow.
const { abs, max, sqrt } = Math;

export type ValueAndGradient = (x: readonly number[]) => { value: number; gradient: number[] };

export interface Minimum {
  x: number[];
  value: number;
  gradient: number[];
  iterations: number;
  /**
   * true when the largest gradient component fell below the tolerance, or when the value stopped going down at double
   * precision with the gradient below `stalledGradientTolerance`
   */
  converged: boolean;
}

export interface BfgsOptions {
  maxIterations?: number;
  /** on the largest absolute gradient component */
  gradientTolerance?: number;
  /**
   * A sum of thousands of terms is only known to ~1e-15 of itself, so near the minimum the steps stop lowering it
   * before the gradient reaches `gradientTolerance`. After 3 such steps in a row the search stops, converged if the
   * gradient is below this looser bound.
   */
  stalledGradientTolerance?: number;
  /** largest change of any coordinate in one step; the fitters work in log-parameters, so 3 = a factor e^3 */
  maxStep?: number;
}

const ARMIJO = 1e-4;
const MAX_HALVINGS = 60;

export function minimiseBfgs(fn: ValueAndGradient, x0: readonly number[], options: BfgsOptions = {}): Minimum {
  const { maxIterations = 500, gradientTolerance = 1e-8, stalledGradientTolerance = 1e-5, maxStep = 3 } = options;
  const n = x0.length;
  let x = [...x0];
  let { value: f, gradient: g } = fn(x);
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) return { x, value: f, gradient: g, iterations: 0, converged: false };
  let h = identity(n); // approximation of the inverse Hessian
  let fresh = true; // h is still the identity (or was just reset to it)
  let stalled = 0;

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(g) < gradientTolerance) return { x, value: f, gradient: g, iterations: iteration, converged: true };

    let d = times(h, g).map((v) => -v);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (rounding in h): fall back to steepest descent.
      h = identity(n);
      fresh = true;
      d = g.map((v) => -v);
      slope = dot(g, d);
    }
    const longest = maxAbs(d);
    if (longest > maxStep) {
      d = d.map((v) => (v * maxStep) / longest);
      slope = dot(g, d);
    }

    const step = lineSearch(fn, x, f, d, slope);
    if (!step) {
      if (!fresh) {
        h = identity(n);
        fresh = true;
        continue;
      }
      // No decrease is possible even along the gradient: at the minimum as far as arithmetic can tell.
      return { x, value: f, gradient: g, iterations: iteration, converged: maxAbs(g) < stalledGradientTolerance };
    }
    stalled = f - step.value <= 1e-15 * abs(f) ? stalled + 1 : 0;

    const s = step.x.map((v, i) => v - x[i]);
    const y = step.gradient.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12 * sqrt(dot(s, s) * dot(y, y))) {
      if (fresh) h = scaledIdentity(n, sy / dot(y, y)); // Nocedal & Wright (6.20): a better first guess than I
      h = bfgsUpdate(h, s, y, sy);
      fresh = false;
    }
    x = step.x;
    f = step.value;
    g = step.gradient;
    if (stalled >= 3) return { x, value: f, gradient: g, iterations: iteration + 1, converged: maxAbs(g) < max(gradientTolerance, stalledGradientTolerance) };
  }
  return { x, value: f, gradient: g, iterations: maxIterations, converged: maxAbs(g) < gradientTolerance };
}

/** Backtracking (halving) until the Armijo condition holds; non-finite values count as "too far". */
function lineSearch(fn: ValueAndGradient, x: number[], f: number, d: number[], slope: number) {
  let t = 1;
  for (let i = 0; i < MAX_HALVINGS; i++, t /= 2) {
    const candidate = x.map((v, j) => v + t * d[j]);
    const { value, gradient } = fn(candidate);
    if (Number.isFinite(value) && gradient.every(Number.isFinite) && value <= f + ARMIJO * t * slope) {
      return { x: candidate, value, gradient };
    }
  }
  return null;
}

/** H+ = (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ with ρ = 1 / (yᵀ s). */
function bfgsUpdate(h: number[][], s: number[], y: number[], sy: number): number[][] {
  const n = s.length;
  const rho = 1 / sy;
  const hy = times(h, y);
  const yhy = dot(y, hy);
  const next: number[][] = [];
  for (let i = 0; i < n; i++) {
    next.push([]);
    for (let j = 0; j < n; j++) {
      next[i].push(h[i][j] - rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]);
    }
  }
  return next;
}

function identity(n: number): number[][] {
  return scaledIdentity(n, 1);
}

function scaledIdentity(n: number, scale: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0)));
}

function times(m: number[][], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const x of v) m = max(m, abs(x));
  return m;
}
