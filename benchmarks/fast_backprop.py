"""How much faster is a matrix-based mini-batch than a per-sample loop? Measured, not guessed.

    python benchmarks/fast_backprop.py

One run, one BLAS thread (pinned with threadpoolctl, so the numbers do not depend on how busy
the other cores are), synthetic [784, 30, 10]-shaped data (the shape of Nielsen's MNIST network;
no data is downloaded). It prints the samples per second of the per-sample loop of chapter 10
(``backprop.fast.loop_gradients``) and of the lean matrix version (``backprop.fast.lean_gradients``)
at batch sizes 10, 100 and 1000, then the machine's single-thread matrix-multiply rate and the
share of it that one step of a [784, 256, 10] network reaches at batch 1000, and as its last line

    fast backprop: batch 10 A.Ax, batch 100 B.Bx, batch 1000 C.Cx of the per-sample loop; D% of
    the matmul ceiling at batch 1000, hidden 256

(on one line). Goals on the 2-core machine the book is built on: at least 8x at batch 10, 20x at
batch 100 and 80 % of the ceiling. The ceiling counts the multiply-adds a step really performs:
the forward pass, BP4 for every layer and BP2 for every layer but the first (no error is
propagated into the inputs), two FLOPs each. Each time is the best of several repeats, the one
least disturbed by other programs.
"""

import time

import numpy as np
from threadpoolctl import threadpool_limits

from backprop.fast import lean_gradients, loop_gradients
from backprop.network import init_params

BATCHES = (10, 100, 1000)


def best_time(fn, repeat):
    """The shortest wall time of ``repeat`` calls of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def samples_per_second(gradients, sizes, batch, rng, budget=0.5):
    """Samples per second of gradients(X, Y, weights, biases) on one batch of synthetic data."""
    weights, biases = init_params(sizes, rng)
    X = rng.uniform(size=(batch, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(sizes[-1], size=batch)]  # one-hot targets
    once = best_time(lambda: gradients(X, Y, weights, biases), 1)  # also warms up
    repeat = int(min(max(budget / once, 3), 200))
    return batch / best_time(lambda: gradients(X, Y, weights, biases), repeat)


def step_flops(sizes, batch):
    """FLOPs of one backprop step: forward, BP4 everywhere, BP2 for all layers but the first."""
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (2 * sum(products) + sum(products[1:]))


def matmul_rate(rng, n=1000, d_in=784, d_out=256):
    """FLOP/s of the largest product of the step, (n, d_in) @ (d_in, d_out), in float64."""
    A, B = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out))
    return 2 * n * d_in * d_out / best_time(lambda: A @ B, 30)


def main():
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1, user_api="blas"):
        speedups = []
        for batch in BATCHES:
            loop = samples_per_second(loop_gradients, [784, 30, 10], batch, rng)
            lean = samples_per_second(lean_gradients, [784, 30, 10], batch, rng)
            speedups.append(lean / loop)
            print(f"[784, 30, 10], batch {batch:4d}: per-sample loop {loop:9.0f} samples/s, "
                  f"matrix {lean:9.0f} samples/s, {lean / loop:5.1f}x")
        rate = matmul_rate(rng)
        sizes, batch = [784, 256, 10], 1000
        step = batch / samples_per_second(lean_gradients, sizes, batch, rng, budget=1.0)
        ceiling = step_flops(sizes, batch) / rate
        print(f"single-thread matmul: {rate / 1e9:.1f} GFLOP/s; [784, 256, 10] at batch 1000: "
              f"{step * 1e3:.1f} ms per step, {step_flops(sizes, batch) / 1e9:.3f} GFLOP, "
              f"ceiling {ceiling * 1e3:.1f} ms")
    a, b, c = speedups
    print(f"fast backprop: batch 10 {a:.1f}x, batch 100 {b:.1f}x, batch 1000 {c:.1f}x of the "
          f"per-sample loop; {100 * ceiling / step:.0f}% of the matmul ceiling at batch 1000, "
          "hidden 256")


if __name__ == "__main__":
    main()
