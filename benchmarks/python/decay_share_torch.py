#!/usr/bin/env python3
"""Decay share of PyTorch's own float32 optimizers over the lr x weight-decay grid.

The same measure as core's WeightDecayShareTest: 1,000 steps of N(0, 1) gradients on 10,000
N(0, 1) floats, with and without weight decay, in float32 and in float64 (torch itself, as the
reference). The share is the float32 decay effect projected on the float64 one; 1 means the
decay is applied in full. Prints a Markdown table (optimizers.md holds its output).

Run: /usr/bin/python3 benchmarks/python/decay_share_torch.py   (Debian's python3-torch)
"""
import torch

GRID = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5]
SIZE, STEPS, SEED = 10_000, 1_000, 20261201

OPTIMIZERS = {
    "sgd": lambda p, lr, wd: torch.optim.SGD(p, lr=lr, weight_decay=wd),
    "momentum": lambda p, lr, wd: torch.optim.SGD(p, lr=lr, momentum=0.9, weight_decay=wd),
    "nesterov": lambda p, lr, wd: torch.optim.SGD(
        p, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd),
    "adam": lambda p, lr, wd: torch.optim.Adam(p, lr=lr, weight_decay=wd),
    "adamw": lambda p, lr, wd: torch.optim.AdamW(p, lr=lr, weight_decay=wd),
}


def run(make, lr, wd, dtype, initial, grads):
    theta = torch.nn.Parameter(initial.to(dtype).clone())
    optimizer = make([theta], lr, wd)
    for grad in grads:
        theta.grad = grad.to(dtype)
        optimizer.step()
    return theta.detach().double()


def main():
    generator = torch.Generator().manual_seed(SEED)
    initial = torch.randn(SIZE, generator=generator)
    grads = [torch.randn(SIZE, generator=generator) for _ in range(STEPS)]
    print("| lr | wd | " + " | ".join(OPTIMIZERS) + " |")
    print("|---|---|" + "---|" * len(OPTIMIZERS))
    for lr in GRID:
        baselines = {
            name: (run(make, lr, 0.0, torch.float32, initial, grads),
                   run(make, lr, 0.0, torch.float64, initial, grads))
            for name, make in OPTIMIZERS.items()}
        for wd in GRID:
            shares = []
            for name, make in OPTIMIZERS.items():
                without32, without64 = baselines[name]
                effect = run(make, lr, wd, torch.float64, initial, grads) - without64
                applied = run(make, lr, wd, torch.float32, initial, grads) - without32
                shares.append(float((applied * effect).sum() / (effect * effect).sum()))
            print(f"| {lr:.0e} | {wd:.0e} | " + " | ".join(f"{s:.4f}" for s in shares) + " |")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
