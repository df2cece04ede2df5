"""PyTorch training workers through Paramstream: keep the training loop, change three lines.

    import paramstream.torch                                       # 1
    optimizer = paramstream.torch.DistributedOptimizer(            # 2: was torch.optim.SGD(...)
        model, "127.0.0.1:50051", "sgd", lr=0.1, momentum=0.9, weight_decay=1e-4)
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()                # pushes every gradient, brings fresh weights back
    optimizer.close()                                              # 3

Every parameter of the model becomes one group on the server, named as in `named_parameters()`
(behind an optional prefix), created from the model's values by the first worker and reused by
the others, whose models then start from the server's values. The server applies the optimizer
(SGD with momentum/Nesterov, Adam, AdamW, with torch.optim's hyperparameters) and the weight
decay, per group: by default the weights of Linear and convolution layers decay and every other
parameter (biases, norms, embeddings) does not; pass `decay=` to choose.

`step()` sends all gradients as one atomic, exactly-once push and then pulls the groups that
changed. It follows the server's consistency mode (`ServerInfo.consistency_mode`):

- ASYNCHRONOUS: up to `max_in_flight` pushes stay unacknowledged while the worker goes on;
- SYNCHRONOUS: the worker registers, waits until `WORLD_SIZE` workers have, and every step waits
  for the averaged update of all of them (the server holds the ack until the step is applied);
- BOUNDED_STALENESS: each push states the version its gradient was computed from; a push the
  server refuses as too stale (policy REJECT) is dropped and counted in `stale_dropped`, and the
  worker goes on with fresh weights (with SCALE_LR the server applies it, scaled).

Worker identity comes from torchrun's `RANK` and `WORLD_SIZE` when set. Pushes carry the worker
id and a sequence that starts from the clock in microseconds, so a worker restarted under the
same id never repeats an earlier sequence, and a push re-sent after a broken stream is applied
once (the server de-duplicates in asynchronous mode only; ServerInfo lists "exactly_once"). Learning-rate schedulers from `torch.optim.lr_scheduler` work as with any optimizer: a
changed `lr` is sent to the server (the learning rate alone) before the next push.

DistributedOptimizer sends sparse gradients (`nn.Embedding(sparse=True)`) dense, as groups. To
keep a large embedding on the server as a sparse table instead, and move only the rows a step
touches, push the embedding's gradient with `sparse_rows`:

    client.create_table("emb", dim=64, rows=1_000_000, lr=0.1)      # or keyed=True
    loss_fn(model(x), y).backward()                                 # nn.Embedding(sparse=True)
    client.push_rows({"emb": paramstream.torch.sparse_rows(model.emb.weight.grad)})
    fresh = client.pull_rows({"emb": next_batch_ids})["emb"].values  # k x 64, in that order
"""

import collections
import os
import socket
import time
import warnings

import torch
from torch import nn

from paramstream.client import ParamstreamClient, ParamstreamError
from paramstream.v1 import parameter_server_pb2 as pb

DECAYING_MODULES = (
    nn.Linear,
    nn.Bilinear,
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)

# A broken push stream is retried this long (exactly-once makes the retry safe).
_RETRY_SECONDS = 30.0


def default_decay(name, parameter, module):
    """Weights of Linear and convolution layers decay; biases, norms and embeddings do not."""
    return isinstance(module, DECAYING_MODULES) and name.rsplit(".", 1)[-1] == "weight"


def worker_identity():
    """(rank, world_size) from torchrun's environment, or (0, 1) for a lone process."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def server_optimizer(kind, momentum=0.0, dampening=0.0, nesterov=False, betas=(0.9, 0.999),
                     eps=1e-8):
    """The contract's Optimizer message for a torch.optim name: 'sgd', 'adam' or 'adamw'."""
    kind = getattr(kind, "__name__", kind).lower()
    if kind == "sgd":
        return pb.Optimizer(
            kind=pb.Optimizer.SGD, momentum=momentum, dampening=dampening, nesterov=nesterov
        )
    if kind in ("adam", "adamw"):
        return pb.Optimizer(
            kind=pb.Optimizer.ADAM if kind == "adam" else pb.Optimizer.ADAMW,
            beta1=betas[0],
            beta2=betas[1],
            epsilon=eps,
        )
    raise ValueError(f"optimizer must be 'sgd', 'adam' or 'adamw', got {kind!r}")


def sparse_rows(grad):
    """(ids, rows) of a sparse gradient, ready for ParamstreamClient.push_rows.

    `grad` is a sparse COO tensor whose first dimension indexes rows, like the `weight.grad` of
    `nn.Embedding(sparse=True)`. It is coalesced first: an id the batch used several times comes
    once, its gradients summed, as torch.optim does (the server would sum them too; this sends
    fewer bytes). Returns int64 ids and a k x dim float32 array, both numpy, on the CPU.
    """
    if not isinstance(grad, torch.Tensor) or grad.layout != torch.sparse_coo:
        layout = grad.layout if isinstance(grad, torch.Tensor) else type(grad).__name__
        raise ValueError(
            f"sparse_rows needs a sparse COO gradient (nn.Embedding(sparse=True)), got {layout}"
        )
    if grad.sparse_dim() != 1:
        raise ValueError(
            f"sparse_rows needs a gradient sparse in its rows only, got {grad.sparse_dim()}"
            " sparse dimensions"
        )
    grad = grad.detach().coalesce().cpu()
    ids = grad.indices()[0].numpy()
    rows = grad.values().to(torch.float32).reshape(len(ids), -1).numpy()
    return ids, rows


Timings = collections.namedtuple("Timings", ["steps", "push", "wait", "pull"])
Timings.__doc__ = "Seconds spent by step() sending pushes, waiting for acks, pulling weights."


class DistributedOptimizer(torch.optim.Optimizer):
    """A torch.optim.Optimizer whose update runs on a Paramstream server (see the module doc)."""

    def __init__(
        self,
        model,
        target=None,
        optimizer="sgd",
        *,
        lr,
        momentum=0.0,
        dampening=0.0,
        nesterov=False,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        decay=default_decay,
        prefix="",
        worker_id=None,
        max_in_flight=2,
        client=None,
        timeout=60,
    ):
        if (target is None) == (client is None):
            raise ValueError("give exactly one of target and client")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
        modules = dict(model.named_modules())
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        super().__init__([p for _, p in named], {"lr": lr})
        self._owns_client = client is None
        self._client = client if client is not None else ParamstreamClient(target, timeout)
        self._params = {prefix + n: p for n, p in named}
        self._decay = {
            prefix + n: bool(decay(n, p, modules.get(n.rpartition(".")[0]))) for n, p in named
        }
        self.rank, self.world_size = worker_identity()
        self.worker_id = worker_id or (
            f"{prefix}rank-{self.rank}" if "RANK" in os.environ
            else f"{socket.gethostname()}-{os.getpid()}"
        )
        self.mode = self._client.server_info().consistency_mode
        self._sent_lr = lr
        spec = server_optimizer(optimizer, momentum, dampening, nesterov, betas, eps)
        self._ensure_groups(spec, lr, weight_decay)
        self._versions = {name: -1 for name in self._params}
        self._pull_changed()
        synchronous = self.mode == pb.SYNCHRONOUS
        self._max_in_flight = 1 if synchronous else max_in_flight
        if synchronous:
            self._register(timeout)
        self._sequence = time.time_ns() // 1000
        self._pending = collections.deque()  # (sequence, gradients, base version), unacked
        self._session = self._open_session()
        self._timings = [0, 0.0, 0.0, 0.0]
        self.duplicates = 0  # pushes the server had already applied (re-sent after a failure)
        self.stale_dropped = 0  # bounded staleness: pushes refused as too stale, not applied

    @property
    def decay_flags(self):
        """Group name -> whether the server applies weight decay to it."""
        return dict(self._decay)

    @property
    def timings(self):
        return Timings(*self._timings)

    def _ensure_groups(self, spec, lr, weight_decay):
        existing = {g.name: g for g in self._client.list_groups()}
        for name, param in self._params.items():
            size = param.numel()
            if name not in existing:
                try:
                    self._client.create_group(
                        name,
                        param.detach().cpu().numpy(),
                        self._decay[name],
                        lr=lr,
                        weight_decay_coef=weight_decay,
                        optimizer=spec,
                    )
                    continue
                except ParamstreamError as e:
                    if e.code != "ALREADY_EXISTS":  # another worker created it first
                        raise
                existing[name] = self._client.list_groups([name])[0]
            group = existing[name]
            if group.size != size:
                raise ValueError(
                    f"group '{name}' on the server has {group.size} elements, the model's"
                    f" parameter has {size} {tuple(param.shape)}"
                )
            if group.weight_decay != self._decay[name]:
                warnings.warn(
                    f"group '{name}' exists with decay flag {group.weight_decay}; the rule"
                    f" chose {self._decay[name]}: the server's flag applies"
                )
                self._decay[name] = group.weight_decay

    def _register(self, timeout):
        """Registers, then waits until WORLD_SIZE workers are in, so no step starts short."""
        deadline = time.monotonic() + timeout
        while True:
            workers = self._client.register_worker(self.worker_id).workers
            if len(workers) >= self.world_size:
                return
            if time.monotonic() > deadline:
                raise ParamstreamError(
                    "DEADLINE_EXCEEDED",
                    f"{len(workers)} of {self.world_size} workers registered after {timeout} s",
                )
            time.sleep(0.05)

    def _open_session(self):
        # The stream lives as long as training; a day is "no deadline" without being forever.
        return self._client.push_session(timeout=24 * 3600)

    @torch.no_grad()
    def step(self, closure=None):
        """Pushes every gradient as one push, then loads the groups that changed."""
        loss = closure() if closure is not None else None
        started = time.perf_counter()
        lr = self.param_groups[0]["lr"]
        if lr != self._sent_lr:
            self._client.set_hyperparameters(lr=lr, names=list(self._params))
            self._sent_lr = lr
        gradients = {
            name: (p.grad if p.grad is not None else torch.zeros_like(p))
            .detach().to_dense().cpu().numpy()
            for name, p in self._params.items()
        }
        self._sequence += 1
        base = None
        if self.mode == pb.BOUNDED_STALENESS:
            base = max(0, min(self._versions.values()))
        self._pending.append((self._sequence, gradients, base))
        self._send(self._pending[-1])
        pushed = time.perf_counter()
        self._await_acks(self._max_in_flight - 1)
        acked = time.perf_counter()
        self._pull_changed()
        self._timings[0] += 1
        self._timings[1] += pushed - started
        self._timings[2] += acked - pushed
        self._timings[3] += time.perf_counter() - acked
        return loss

    def _send(self, pending):
        sequence, gradients, base = pending
        self._session.push(gradients, self.worker_id, sequence, base)

    def _await_acks(self, keep):
        """Waits until at most `keep` pushes are unacknowledged, re-sending after a failure."""
        give_up = None
        while len(self._pending) > keep:
            try:
                result = self._session.next_ack()
            except ParamstreamError as e:
                if e.code not in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"):
                    raise
                give_up = give_up or time.monotonic() + _RETRY_SECONDS
                if time.monotonic() > give_up:
                    raise
                time.sleep(0.2)
                # The server applies each sequence once: re-sending every unacked push is safe.
                self._session = self._open_session()
                for pending in self._pending:
                    self._send(pending)
                continue
            self._pending.popleft()
            if self.mode == pb.BOUNDED_STALENESS and result.code == "FAILED_PRECONDITION":
                # Too stale to apply (REJECT policy): the gradient is dropped, and the next
                # step computes one on the fresh weights pulled after this step.
                self.stale_dropped += 1
                continue
            result.check()
            self.duplicates += result.duplicate

    @torch.no_grad()
    def _pull_changed(self):
        changed = self._client.pull_changed(self._versions)
        for name, values in changed.items():
            param = self._params[name]
            param.copy_(torch.from_numpy(values.values).view_as(param))
            self._versions[name] = values.version

    def close(self):
        """Waits for every push to be acknowledged, loads the final weights and disconnects."""
        try:
            self._await_acks(0)
            self._session.close()
            self._pull_changed()
            if self.mode == pb.SYNCHRONOUS:
                self._client.deregister_worker(self.worker_id)
        finally:
            if self._owns_client:
                self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        elif self._owns_client:
            self._client.close()

