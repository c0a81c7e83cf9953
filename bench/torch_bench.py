#!/usr/bin/env python3
"""PyTorch's side of `npm run bench`: one training step (forward, backward, SGD update) of a
784-20-20-10 ReLU MLP with softmax cross-entropy, on seeded random data, per batch size and
thread count (torch.set_num_threads). Prints one JSON object on stdout:

    {"torch": "2.x", "results": [{"batch": 5600, "threads": 1, "median_ms": .., "min_ms": .., "reps": ..}, ...]}

Usage: python3 bench/torch_bench.py --batches 5600,256,64 --threads 1,2 [--seconds 1.5]
Exits with status 3 (and a message on stderr) when torch cannot be imported.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "no torch here"
    print(f"torch not importable: {e}", file=sys.stderr)
    sys.exit(3)


def step_fn(batch: int):
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 20), torch.nn.ReLU(),
        torch.nn.Linear(20, 20), torch.nn.ReLU(),
        torch.nn.Linear(20, 10),
    )
    x = torch.rand(batch, 784)
    return sgd_step(model, x, torch.randint(0, 10, (batch,)))


def sgd_step(model, x, y):
    """One timed unit of every torch bench: a full SGD step (forward, cross-entropy, backward, update)
    on a fixed batch. Also used by torch_conv.py."""
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def measure(fn, seconds: float, min_reps: int, max_reps: float = float("inf"), warmup: float = 0.3):
    """Median and min ms of fn() over max(min_reps, seconds / one call) reps (at most max_reps), the
    rep count, and every timed call, after `warmup` seconds of untimed calls. Also used by torch_conv.py."""
    t_end = time.perf_counter() + warmup
    while time.perf_counter() < t_end:  # warm-up
        fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-6)
    reps = int(min(max_reps, max(min_reps, seconds / one)))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), min(ts), reps, ts


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batches", default="5600,256,64")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seconds", type=float, default=1.5)
    p.add_argument("--min-reps", type=int, default=15)
    p.add_argument("--max-reps", type=int, default=2000)
    a = p.parse_args()
    results = []
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        for batch in [int(b) for b in a.batches.split(",")]:
            med, mn, reps, _ = measure(step_fn(batch), a.seconds, a.min_reps, a.max_reps)
            results.append({"batch": batch, "threads": threads, "median_ms": med, "min_ms": mn, "reps": reps})
    print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0], "results": results}))


if __name__ == "__main__":
    main()
