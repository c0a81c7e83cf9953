#!/usr/bin/env python3
"""PyTorch's side of `npm run bench -- --conv`: one training step (forward, backward, SGD update)
with softmax cross-entropy of two small CNNs on seeded random data, per thread count
(torch.set_num_threads):

  cifar: the seed paper's CIFAR-10 CNN, 3x32x32 input, batch 750:
         conv 3->32 k3, ReLU, max-pool 2, conv 32->32 k4, ReLU, max-pool 2, dense 1152->512, ReLU,
         dense 512->10 (612,778 parameters);
  lenet: 1x28x28 input, batch 256: conv 1->6 k5, ReLU, max-pool 2, conv 6->16 k5, ReLU,
         max-pool 2, dense 256->32, ReLU, dense 32->10.

PyTorch's default NCHW layout (also timed with channels_last when --channels-last is given).
Prints one JSON object on stdout:

    {"torch": "1.13", "results": [{"net": "cifar", "threads": 1, "median_ms": .., "min_ms": .., "reps": ..}, ...]}

Exits with status 3 (and a message on stderr) when torch cannot be imported.
"""
import argparse
import json
import sys

# the timing loop and torch itself (exit 3 with a message when it cannot be imported)
from torch_bench import measure, sgd_step, torch

nn = torch.nn

NETS = {
    "cifar": (750, (3, 32, 32), lambda: nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1152, 512), nn.ReLU(), nn.Linear(512, 10))),
    "lenet": (256, (1, 28, 28), lambda: nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 32), nn.ReLU(), nn.Linear(32, 10))),
}


def step_fn(net: str, channels_last: bool):
    batch, shape, make = NETS[net]
    torch.manual_seed(1)
    model = make()
    x = torch.rand(batch, *shape)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return sgd_step(model, x, torch.randint(0, 10, (batch,)))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--nets", default="cifar,lenet")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--min-reps", type=int, default=5)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--samples", action="store_true", help="also print every timed step (samples_ms)")
    a = p.parse_args()
    results = []
    for net in a.nets.split(","):
        for threads in [int(t) for t in a.threads.split(",")]:
            torch.set_num_threads(threads)
            for cl in ([False, True] if a.channels_last else [False]):
                med, mn, reps, ts = measure(step_fn(net, cl), a.seconds, a.min_reps, warmup=0.5)
                row = {"net": net, "threads": threads, "layout": "NHWC" if cl else "NCHW",
                       "median_ms": med, "min_ms": mn, "reps": reps}
                if a.samples:
                    row["samples_ms"] = ts
                results.append(row)
    print(json.dumps({"torch": torch.__version__, "python": sys.version.split()[0], "results": results}))


if __name__ == "__main__":
    main()
