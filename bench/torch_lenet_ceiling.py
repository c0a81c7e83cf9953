"""PyTorch ceiling of the LeNet-like net (conv6k5, pool2, conv16k5, pool2, fc32, fc10; ReLU) on
regpath's own split: the rows, order and per-pixel standardisation that `regpath path --seed S`
uses, written by bench/export-split.ts:

    node dist/bench/export-split.js --data mnist --seed 2 --out /tmp/split2
    /usr/bin/python3 bench/torch_lenet_ceiling.py --data /tmp/split2 --lambdas 0,1e-4,1e-3 --inits 0,1,2

The solver is the path's mini-batch solver: heavy-ball SGD (lr 0.1, momentum 0.9, batch 500,
reshuffled every epoch) with the weights (not the biases) soft-thresholded by lr·λ after every
step. One thread. Prints training loss, training and test accuracy and the weights' l1 norm every
--every epochs, then one summary line per run.
"""
import argparse, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--lambdas", default="0,1e-4,1e-3")
p.add_argument("--inits", default="0,1,2")
p.add_argument("--epochs", type=int, default=30)
p.add_argument("--every", type=int, default=5)
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--batch", type=int, default=500)
p.add_argument("--warmup", type=int, default=0, help="steps of a linear learning-rate ramp from 0 at the start (0: none)")
a = p.parse_args()
torch.set_num_threads(1)

meta = json.load(open(os.path.join(a.data, "shape.json")))
c, h, w = meta["shape"] or [1, 28, 28]
def load(name):
    x = np.fromfile(os.path.join(a.data, name + "x.bin"), np.float32)
    y = np.fromfile(os.path.join(a.data, name + "y.bin"), np.float32).astype(np.int64)
    # regpath stores images height × width × channel; PyTorch wants channel first
    return torch.from_numpy(x.reshape(-1, h, w, c).transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)
X, Y = load("train")
Xt, Yt = load("test")

def lenet():
    side = ((h - 4) // 2 - 4) // 2
    return nn.Sequential(nn.Conv2d(c, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * side * side, 32), nn.ReLU(), nn.Linear(32, 10))

summary = []
for lam in [float(s) for s in a.lambdas.split(",")]:
    for init in [int(s) for s in a.inits.split(",")]:
        torch.manual_seed(init)
        m = lenet()
        W = [q for n, q in m.named_parameters() if n.endswith("weight")]
        opt = torch.optim.SGD(m.parameters(), lr=a.lr, momentum=0.9)
        t0 = time.process_time()
        best = (0.0, 0)
        for ep in range(a.epochs):
            perm = torch.randperm(len(X))
            for i in range(0, len(X), a.batch):
                idx = perm[i:i + a.batch]
                step = ep * ((len(X) + a.batch - 1) // a.batch) + i // a.batch
                lr = a.lr * min(1.0, (step + 1) / a.warmup) if a.warmup > 0 else a.lr
                for g in opt.param_groups: g["lr"] = lr
                opt.zero_grad()
                F.cross_entropy(m(X[idx]), Y[idx]).backward()
                opt.step()
                if lam > 0:
                    with torch.no_grad():
                        for q in W: q.copy_(torch.sign(q) * torch.clamp(q.abs() - lr * lam, min=0))
            if (ep + 1) % a.every == 0 or ep == a.epochs - 1:
                with torch.no_grad():
                    out = m(X)
                    loss = F.cross_entropy(out, Y).item()
                    tra = (out.argmax(1) == Y).float().mean().item()
                    te = (m(Xt).argmax(1) == Yt).float().mean().item()
                    l1 = sum(q.abs().sum().item() for q in W)
                best = max(best, (te, ep + 1))
                print(f"lambda={lam:g} init={init} epoch={ep + 1} loss={loss:.5f} train_acc={tra:.4f} test_acc={te:.4f} l1={l1:.1f}", flush=True)
        summary.append((lam, init, loss, te, l1, best, time.process_time() - t0))
print("summary: lambda init | final loss, test acc, l1 | best test acc (epoch) | CPU s")
for lam, init, loss, te, l1, best, cpu in summary:
    print(f"  {lam:g} {init} | {loss:.5f} {100 * te:.2f} % {l1:.0f} | {100 * best[0]:.2f} % ({best[1]}) | {cpu:.0f}")
