import { minimiseBfgs, type ValueAndGradient } from './optimise';

describe('minimiseBfgs', () => {
  it('finds the minimum of the Rosenbrock valley and says it converged', () => {
    const rosenbrock: ValueAndGradient = ([x, y]) => ({
      value: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
      gradient: [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
    });
    const minimum = minimiseBfgs(rosenbrock, [-1.2, 1]);
    expect(minimum.converged).toBe(true);
    expect(minimum.x[0]).toBeCloseTo(1, 6);
    expect(minimum.x[1]).toBeCloseTo(1, 6);
  });

  it('backs off from steps into non-finite territory', () => {
    // log-barrier at x = 0: a full Newton-like step from x = 3 would land at a negative x
    const barrier: ValueAndGradient = ([x]) => ({ value: x > 0 ? x - 2 * Math.log(x) : NaN, gradient: [x > 0 ? 1 - 2 / x : NaN] });
    const minimum = minimiseBfgs(barrier, [30], { maxStep: 100 });
    expect(minimum.converged).toBe(true);
    expect(minimum.x[0]).toBeCloseTo(2, 6);
  });

  it('reports no convergence when it runs out of iterations', () => {
    const slope: ValueAndGradient = ([x]) => ({ value: -x, gradient: [-1] }); // unbounded below
    expect(minimiseBfgs(slope, [0], { maxIterations: 5 }).converged).toBe(false);
  });
});
