"""A training worker for test_torch: a small model on fixed data, through the server.

Run as a process: python3 torch_worker.py TARGET OPTIMIZER STEPS OUT.npz (RANK and WORLD_SIZE in
the environment). Each step it takes its shard of the step's batch, so the server's synchronous
average equals the gradient of the whole batch. Also imported by the test for the reference.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import paramstream.torch as pst  # noqa: E402

BATCH = 8
HYPERPARAMETERS = {
    "sgd": dict(lr=0.1, weight_decay=0.01),
    "momentum": dict(lr=0.05, momentum=0.9, weight_decay=0.01),
    "adam": dict(lr=0.01, weight_decay=0.01),
}


def model():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))


def batch(step):
    generator = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(BATCH, 6, generator=generator)
    return x, torch.sin(x[:, :3] * 2)


def shard_gradients(net, step, rank, world_size):
    """Loss on this worker's rows of the step's batch, backward; the grads land in the model."""
    x, y = batch(step)
    rows = slice(rank * BATCH // world_size, (rank + 1) * BATCH // world_size)
    net.zero_grad()
    nn.functional.mse_loss(net(x[rows]), y[rows]).backward()


def server_kind(name):
    return "adam" if name == "adam" else "sgd"


def main():
    target, name, steps, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    net = model()
    optimizer = pst.DistributedOptimizer(
        net, target, server_kind(name), prefix=f"{name}/", **HYPERPARAMETERS[name]
    )
    for step in range(steps):
        shard_gradients(net, step, optimizer.rank, optimizer.world_size)
        optimizer.step()
    optimizer.close()
    np.savez(out, **{n: p.detach().numpy() for n, p in net.named_parameters()})


if __name__ == "__main__":
    main()
