"""nn.Embedding(sparse=True) gradients pushed as table rows (paramstream.torch.sparse_rows) give
the rows torch.optim gives the same embedding in one process: SGD, and Adam against SparseAdam
(both lazy: rows a step does not touch do not move)."""

import sys
import unittest
from pathlib import Path

import numpy as np
import torch
from torch import nn

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent))
sys.path.insert(0, str(TESTS))

import paramstream.torch as pst  # noqa: E402
from paramstream import ParamstreamClient, row_initializer  # noqa: E402
from paramstream.v1 import parameter_server_pb2 as pb  # noqa: E402
from server_process import ServerProcess  # noqa: E402

ROWS, DIM, STEPS = 200, 8, 6

server = None


def setUpModule():
    global server
    server = ServerProcess()


def tearDownModule():
    if server is not None:
        server.close()


def batches():
    """Index batches with repeats, each touching a different subset of the rows."""
    generator = torch.Generator().manual_seed(4)
    for step in range(STEPS):
        yield torch.randint(step * 20, step * 20 + 40, (32,), generator=generator)


def loss(embedding, ids):
    target = torch.linspace(-1, 1, DIM)
    return ((embedding(ids) - target) ** 2).sum()


class SparseRowsTest(unittest.TestCase):
    def setUp(self):
        self.client = ParamstreamClient(server.target, timeout=30)
        self.addCleanup(self.client.close)

    def train_both(self, name, local_optimizer):
        """Trains a server table and a local copy side by side, checking after every step that
        the rows it did not touch kept their bits; returns the server's rows and the local ones."""
        everything = np.arange(ROWS)
        start = self.client.pull_rows({name: everything})[name].values
        embedding = nn.Embedding(ROWS, DIM, sparse=True)
        with torch.no_grad():
            embedding.weight.copy_(torch.from_numpy(start))
        optimizer = local_optimizer(embedding.parameters())
        before = start
        for ids in batches():
            optimizer.zero_grad()
            loss(embedding, ids).backward()
            result = self.client.push_rows({name: pst.sparse_rows(embedding.weight.grad)})
            optimizer.step()
            after = self.client.pull_rows({name: everything})[name].values
            untouched = np.setdiff1d(everything, ids.numpy())
            np.testing.assert_array_equal(after[untouched], before[untouched])
            before = after
        self.assertEqual(result.table_versions, {name: STEPS})
        self.assertGreater(np.abs(before - start).max(), 1e-3)  # training moved the rows
        return before, embedding.weight.detach().numpy()

    def test_sgd_equalsTorchSgdOnTheEmbedding(self):
        init = row_initializer("normal", 0.3, seed=8)
        self.client.create_table("emb-sgd", DIM, ROWS, lr=0.05, initializer=init)
        served, local = self.train_both("emb-sgd", lambda p: torch.optim.SGD(p, lr=0.05))
        np.testing.assert_allclose(served, local, rtol=0, atol=1e-6)

    def test_adam_equalsSparseAdam(self):
        # SparseAdam adds eps to sqrt(v) before the bias correction, torch.optim.Adam (and the
        # server) after it: with eps 1e-8 that moves a step by up to 2e-3 of itself early on. A
        # tiny eps takes that difference away, so what is compared is the laziness and the step
        # count.
        eps = 1e-12
        adam = pb.Optimizer(kind=pb.Optimizer.ADAM, beta1=0.9, beta2=0.999, epsilon=eps)
        init = row_initializer("uniform", 0.5, seed=2)
        self.client.create_table("emb-adam", DIM, ROWS, lr=0.01, optimizer=adam, initializer=init)
        served, local = self.train_both(
            "emb-adam", lambda p: torch.optim.SparseAdam(list(p), lr=0.01, eps=eps)
        )
        np.testing.assert_allclose(served, local, rtol=1e-5, atol=1e-6)

    def test_sparseRows_coalescesRepeatedIds(self):
        embedding = nn.Embedding(10, 3, sparse=True)
        embedding(torch.tensor([4, 1, 4, 4])).sum().backward()
        ids, rows = pst.sparse_rows(embedding.weight.grad)
        np.testing.assert_array_equal(ids, [1, 4])
        np.testing.assert_array_equal(rows, [[1, 1, 1], [3, 3, 3]])
        self.assertEqual(rows.dtype, np.float32)

    def test_sparseRows_denseGradient_valueError(self):
        with self.assertRaisesRegex(ValueError, "sparse COO"):
            pst.sparse_rows(torch.zeros(3, 2))


if __name__ == "__main__":
    unittest.main()
