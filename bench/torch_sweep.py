#!/usr/bin/env python3
"""PyTorch's λ sweep, the baseline of `npm run bench -- --suite`: the regularisation path of an
MLP by proximal SGD, as a PyTorch user would compute it.

    1. `--dense-epochs` (300) epochs of SGD (lr 0.1, momentum 0.9, batch 5,600) from PyTorch's
       default initialisation;
    2. `--lambdas` (59) values of λ, geometric from 1e-5 to 1, each warm-started from the previous
       one for `--epochs` (22) epochs of the same SGD, soft-thresholding the weights (not the
       biases) by lr·λ after every step: w ← sign(w)·max(|w| − lr·λ, 0);
    3. after the dense phase and after every λ: full-batch training loss, test loss and accuracy.

Note on λ: under momentum μ a threshold of lr·λ per step settles at the lasso solution for
(1−μ)·λ (the velocity is ∇L/(1−μ)), so λ here is 10× regpath's λ; the bench compares fronts,
not λ values.

Data: `--data DIR` written by the bench (bench/suite/arrays.ts; by hand:
`node dist/bench/suite/write-arrays.js --data mnist --out DIR`), so that the network sees exactly
regpath's training and test arrays (same rows, split and standardisation):
    DIR/meta.json    {"train": n, "test": m, "features": d, "classes": C}
    DIR/x_train.f32  n·d float32 little-endian, row-major;  DIR/y_train.i32  n int32 labels
    DIR/x_test.f32, DIR/y_test.i32 (m rows; absent when m = 0)

Runs on one thread (torch.set_num_threads(1)), seeded (`--seed`). Prints one JSON object:
    {"torch", "python", "blas", "threads", "seconds", "maxRssMiB", "points": [{"phase", "lambda",
     "l1", "nonzeros", "trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "seconds"}, ...]}
with l1 = Σ|w| over the weights. `--max-seconds T` stops the sweep after the λ in progress once T
seconds have passed (the points so far are printed, "stopped": "time"). Progress goes to stderr.
Exits with status 3 (and a message on stderr) when torch cannot be imported.
"""
import argparse
import json
import math
import os
import re
import resource
import sys
import time

# One thread in OpenBLAS too (torch.set_num_threads does not reach it); set before it loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "no torch here"
    print(f"torch not importable: {e}", file=sys.stderr)
    sys.exit(3)


def blas_in_use() -> dict:
    """Which BLAS torch calls: its build configuration, and the BLAS library actually mapped into
    this process after a matrix product (Debian's torch goes through libblas.so.3, which the
    alternatives system points at OpenBLAS or at the ~8x slower reference BLAS)."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    config = torch.__config__.show()
    found = re.search(r"BLAS_INFO=[^,\s]*", config)
    build = found.group(0) if found else ""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if "blas" in name or "mkl" in name or "lapack" in name:
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    libs = sorted(libs)
    kind = "openblas" if any("openblas" in l for l in libs) else "mkl" if any("mkl" in l for l in libs) \
        else "reference" if any("libblas" in l for l in libs) else "unknown"
    return {"kind": kind, "build": build, "libraries": libs}


def load(dirname: str):
    with open(os.path.join(dirname, "meta.json")) as f:
        meta = json.load(f)
    n, m, d = meta["train"], meta["test"], meta["features"]

    def arr(name, dtype, count, shape):
        a = np.fromfile(os.path.join(dirname, name), dtype=dtype, count=count)
        if a.size != count:
            raise SystemExit(f"{dirname}/{name}: expected {count} values, found {a.size}")
        return torch.from_numpy(a.reshape(shape).copy())

    xtr = arr("x_train.f32", "<f4", n * d, (n, d))
    ytr = arr("y_train.i32", "<i4", n, (n,)).long()
    xte = arr("x_test.f32", "<f4", m * d, (m, d)) if m else None
    yte = arr("y_test.i32", "<i4", m, (m,)).long() if m else None
    return meta, xtr, ytr, xte, yte


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--hidden", default="20,20")
    p.add_argument("--activation", default="relu", choices=["relu", "tanh"])
    p.add_argument("--dense-epochs", type=int, default=300)
    p.add_argument("--lambdas", type=int, default=59)
    p.add_argument("--lambda-min", type=float, default=1e-5)
    p.add_argument("--lambda-max", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=22)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch", type=int, default=5600)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=math.inf)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    meta, xtr, ytr, xte, yte = load(a.data)
    widths = [meta["features"]] + [int(w) for w in a.hidden.split(",") if w and w != "0"] + [meta["classes"]]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU() if a.activation == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
    n = xtr.shape[0]
    blas = blas_in_use()
    print(f"torch sweep: {n} training rows, layers {'-'.join(map(str, widths))}, BLAS {blas['kind']}", file=sys.stderr)

    def epoch(threshold: float) -> None:
        order = torch.randperm(n, generator=gen)
        for s in range(0, n, a.batch):
            idx = order[s:s + a.batch]
            opt.zero_grad(set_to_none=False)
            F.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
            if threshold > 0:
                with torch.no_grad():
                    for w in weights:
                        w.copy_(torch.sign(w) * torch.clamp(w.abs() - threshold, min=0))

    @torch.no_grad()
    def measure(phase: str, lam: float, seconds: float) -> dict:
        out = model(xtr)
        pt = {"phase": phase, "lambda": lam,
              "l1": float(sum(w.abs().double().sum() for w in weights)),
              "nonzeros": int(sum(int((w != 0).sum()) for w in weights)),
              "trainLoss": float(F.cross_entropy(out.double(), ytr)),
              "trainAccuracy": float((out.argmax(1) == ytr).double().mean()),
              "seconds": seconds}
        if xte is not None:
            o = model(xte)
            pt["testLoss"] = float(F.cross_entropy(o.double(), yte))
            pt["testAccuracy"] = float((o.argmax(1) == yte).double().mean())
        return pt

    t0 = time.perf_counter()
    points = []
    stopped = None
    for _ in range(a.dense_epochs):
        epoch(0.0)
    points.append(measure("dense", 0.0, time.perf_counter() - t0))
    for j in range(a.lambdas):
        if time.perf_counter() - t0 > a.max_seconds:
            stopped = "time"
            break
        lam = a.lambda_min * (a.lambda_max / a.lambda_min) ** (j / max(a.lambdas - 1, 1))
        t = time.perf_counter()
        for _ in range(a.epochs):
            epoch(a.lr * lam)
        points.append(measure("sweep", lam, time.perf_counter() - t))
        last = points[-1]
        print(f"  λ {lam:.3g}: l1 {last['l1']:.2f}, train loss {last['trainLoss']:.4f} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "torch": torch.__version__, "python": sys.version.split()[0], "blas": blas, "threads": a.threads,
        "seed": a.seed, "layers": widths, "seconds": seconds, "stopped": stopped,
        # ru_maxrss is in KiB on Linux
        "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "points": points,
    }))


if __name__ == "__main__":
    main()
