"""Sparse tables through the Python client against the real Java server, started from its jar.

Run from the repository root: /usr/bin/python3 -m unittest discover -s clients/python/tests
"""

import math
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paramstream import ParamstreamClient, ParamstreamError, row_initializer  # noqa: E402
from paramstream.v1 import parameter_server_pb2 as pb  # noqa: E402
from server_process import ServerProcess  # noqa: E402

LR = 0.1
WEIGHT_DECAY = 0.01

server = None


def setUpModule():
    global server
    # Defaults unlike the tables' own, so a hyperparameter the client lost would show.
    server = ServerProcess("--lr", "0.5", "--weight-decay", "0.25")


def tearDownModule():
    if server is not None:
        server.close()


def sgd(theta, grad, lr, weight_decay_coef):
    """The contract's kernel in float32: theta - (float32(lr) * grad + float32(lr * wd) * theta)."""
    return theta - (np.float32(lr) * grad + np.float32(lr * weight_decay_coef) * theta)


_M = (1 << 64) - 1


def _mix(x):
    """MurmurHash3's 64-bit finalizer over uint64 arrays (numpy wraps modulo 2^64)."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def initial_rows(kind, scale, seed, ids, dim):
    """The contract's RowInitializer, written from the .proto's words alone (RowInitializer)."""
    ids = np.asarray(ids).astype(np.int64).view(np.uint64).reshape(-1, 1)
    row_seed = _mix(np.uint64(seed & _M) ^ _mix(ids))

    def unit(k):
        golden = np.uint64(0x9E3779B97F4A7C15)
        bits = _mix(row_seed + (k.astype(np.uint64) + np.uint64(1)) * golden)
        return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53

    j = np.arange(dim, dtype=np.uint64).reshape(1, -1)
    if kind == "uniform":
        return (scale * (2.0 * unit(j) - 1.0)).astype(np.float32)
    u1 = unit(np.uint64(2) * j) + 2.0**-53
    u2 = unit(np.uint64(2) * j + np.uint64(1))
    return (scale * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).astype(np.float32)


class TablesEndToEndTest(unittest.TestCase):
    def setUp(self):
        self.client = ParamstreamClient(server.target, timeout=30)
        self.addCleanup(self.client.close)
        # One server serves every test: each test gets table names of its own.
        self.prefix = self.id().rsplit(".", 1)[-1] + "/"

    def indexed(self, name, rows, dim, **kwargs):
        kwargs.setdefault("lr", LR)
        kwargs.setdefault("weight_decay_coef", WEIGHT_DECAY)
        return self.client.create_table(self.prefix + name, dim, rows, **kwargs)

    def keyed(self, name, dim, **kwargs):
        kwargs.setdefault("lr", LR)
        kwargs.setdefault("weight_decay_coef", WEIGHT_DECAY)
        return self.client.create_table(self.prefix + name, dim, keyed=True, **kwargs)

    def rows(self, name, ids):
        return self.client.pull_rows({self.prefix + name: ids})[self.prefix + name]

    def mine(self):
        """Names of this test's tables on the server."""
        return [t.name for t in self.client.list_tables() if t.name.startswith(self.prefix)]

    def assertRejected(self, code, call, *args, **kwargs):
        with self.assertRaises(ParamstreamError) as raised:
            call(*args, **kwargs)
        self.assertEqual(raised.exception.code, code, raised.exception)
        self.assertTrue(raised.exception.message)
        return raised.exception

    # Create and list.

    def test_createTable_indexedAndKeyed_listedWithTheirSettings(self):
        adam = pb.Optimizer(kind=pb.Optimizer.ADAM, beta1=0.8)
        info = self.indexed("idx", 100, 8, weight_decay=True, optimizer=adam)
        self.assertEqual(
            (info.name, info.dim, info.keyed, info.rows, info.max_rows, info.weight_decay),
            (self.prefix + "idx", 8, False, 100, 100, True),
        )
        self.assertEqual((info.version, info.lr, info.weight_decay_coef), (0, LR, WEIGHT_DECAY))
        self.assertEqual(info.optimizer.kind, pb.Optimizer.ADAM)
        self.assertAlmostEqual(info.optimizer.beta1, 0.8)
        self.assertGreaterEqual(info.bytes, 100 * 8 * 4)

        init = row_initializer("normal", 0.5, seed=3)
        keyed = self.keyed("key", 4, max_rows=10, lr=None, initializer=init)
        self.assertEqual((keyed.keyed, keyed.rows, keyed.max_rows), (True, 0, 10))
        self.assertEqual(keyed.lr, 0.5)  # the server's default: only weight decay was given
        self.assertEqual(keyed.initializer, init)

        listed = self.client.list_tables([self.prefix + "idx", self.prefix + "key"])
        self.assertEqual(listed, [info, keyed])
        self.assertIn(self.prefix + "idx", [t.name for t in self.client.list_tables()])

    def test_createTable_misuse_valueErrorBeforeAnyCall(self):
        with self.assertRaises(ValueError):
            self.client.create_table(self.prefix + "t", 4)  # indexed without rows
        with self.assertRaises(ValueError):
            self.client.create_table(self.prefix + "t", 4, 10, keyed=True)
        with self.assertRaises(ValueError):
            self.client.create_table(self.prefix + "t", 4, 10, max_rows=5)
        with self.assertRaises(ValueError):
            row_initializer("gaussian")
        self.assertEqual(self.mine(), [])

    def test_createTable_badValues_serverNamesThemAndCreatesNothing(self):
        self.assertRejected("INVALID_ARGUMENT", self.indexed, "zero-dim", 10, 0)
        self.assertRejected("INVALID_ARGUMENT", self.indexed, "zero-rows", 0, 4)
        self.assertRejected("INVALID_ARGUMENT", self.indexed, "bad-lr", 10, 4, lr=math.nan)
        self.assertEqual(self.mine(), [])
        self.indexed("t", 10, 4)
        self.assertRejected("ALREADY_EXISTS", self.indexed, "t", 20, 8)
        (info,) = self.client.list_tables([self.prefix + "t"])
        self.assertEqual((info.rows, info.dim), (10, 4))

    # Pushes: the kernel on the touched rows, nothing else moves.

    def test_pushRows_indexed_sgdWithDecayOnTouchedRowsOthersBitIdentical(self):
        init = row_initializer("uniform", 1.0, seed=11)
        self.indexed("t", 50, 8, weight_decay=True, initializer=init)
        everything = np.arange(50)
        before = self.rows("t", everything).values
        ids = np.array([7, 3, 7, 42], dtype=np.uint64)  # 7 twice: summed first
        grad = np.random.default_rng(1).standard_normal((4, 8)).astype("<f4")
        result = self.client.push_rows({self.prefix + "t": (ids, grad)})
        self.assertEqual(result.table_versions, {self.prefix + "t": 1})
        self.assertEqual(result.versions, {})

        after = self.rows("t", everything)
        self.assertEqual(after.version, 1)
        expected = before.copy()
        summed = {7: grad[0] + grad[2], 3: grad[1], 42: grad[3]}
        for row, g in summed.items():
            expected[row] = sgd(before[row], g, LR, WEIGHT_DECAY)
        np.testing.assert_allclose(after.values, expected, rtol=0, atol=1e-6)
        untouched = np.setdiff1d(everything, list(summed))
        np.testing.assert_array_equal(after.values[untouched], before[untouched])

    def test_pullRows_requestOrderWithRepeats(self):
        self.indexed("t", 10, 2, lr=1.0, weight_decay_coef=0.0)
        ids = np.arange(10)
        # lr 1 and gradient -(id, 10 id): row id holds (id, 10 id) afterwards.
        grad = -np.stack([ids, 10 * ids], axis=1).astype("<f4")
        self.client.push_rows({self.prefix + "t": (ids, grad)})
        got = self.rows("t", [9, 0, 4, 9, 2])
        self.assertEqual(got.values.dtype, np.dtype("<f4"))
        self.assertEqual(got.values.shape, (5, 2))
        np.testing.assert_array_equal(got.values, [[9, 90], [0, 0], [4, 40], [9, 90], [2, 20]])

    def test_keyed_unseenRowsAreTheDocumentedInitializerAndPullsDoNotCreateThem(self):
        dim = 16
        ids = np.array([0, 1, 12345, -1, 2**62 + 7], dtype=np.int64)
        for kind, scale, seed in (("uniform", 0.25, 5), ("normal", 0.1, -9)):
            with self.subTest(kind):
                name = "k-" + kind
                self.keyed(name, dim, initializer=row_initializer(kind, scale, seed=seed & _M))
                got = self.rows(name, ids)
                self.assertEqual(got.version, 0)
                np.testing.assert_array_equal(
                    got.values, initial_rows(kind, scale, seed, ids, dim)
                )
                (info,) = self.client.list_tables([self.prefix + name])
                self.assertEqual(info.rows, 0)

    def test_keyed_signedIdsKeepTheirBits_andFirstTouchCreatesRows(self):
        self.keyed("k", 2, lr=1.0, weight_decay_coef=0.0)
        name = self.prefix + "k"
        signed = np.array([-1, 5], dtype=np.int64)
        self.client.push_rows({name: (signed, [[-1.0, -2.0], [-3.0, -4.0]])})
        # -1 as int64 and 2^64 - 1 as uint64 are the same row.
        got = self.rows("k", np.array([2**64 - 1, 5, 6], dtype=np.uint64))
        np.testing.assert_array_equal(got.values, [[1, 2], [3, 4], [0, 0]])
        (info,) = self.client.list_tables([name])
        self.assertEqual((info.rows, info.version), (2, 1))

    def test_keyed_pastMaxRows_resourceExhaustedAndNothingChanges(self):
        self.keyed("k", 2, max_rows=3)
        name = self.prefix + "k"
        self.client.push_rows({name: ([1, 2], np.ones((2, 2)))})
        before = self.rows("k", [1, 2])
        error = self.assertRejected(
            "RESOURCE_EXHAUSTED", self.client.push_rows, {name: ([1, 3, 4], np.ones((3, 2)))}
        )
        self.assertIn("3", error.message)
        after = self.rows("k", [1, 2])
        np.testing.assert_array_equal(after.values, before.values)
        (info,) = self.client.list_tables([name])
        self.assertEqual((info.rows, info.version), (2, 1))
        # Touching rows it already has, and one more up to the limit, still works.
        self.client.push_rows({name: ([1, 3], np.ones((2, 2)))})
        self.assertEqual(self.client.list_tables([name])[0].rows, 3)

    # Mixed pushes are atomic.

    def test_pushRows_withDenseGroup_oneAtomicPushAndBothVersions(self):
        self.indexed("t", 4, 2, weight_decay_coef=0.0)
        group = self.prefix + "g"
        self.client.create_group(group, [1.0, 2.0], False, lr=LR, weight_decay_coef=0.0)
        result = self.client.push_rows(
            {self.prefix + "t": ([1], [[1.0, 1.0]])}, gradients={group: [1.0, 1.0]}
        )
        self.assertEqual(result.versions, {group: 1})
        self.assertEqual(result.table_versions, {self.prefix + "t": 1})
        np.testing.assert_allclose(self.client.pull([group])[group].values, [0.9, 1.9], atol=1e-6)
        np.testing.assert_allclose(self.rows("t", [1]).values, [[-0.1, -0.1]], atol=1e-6)

    def test_pushRows_oneBadPart_wholePushRejectedAndNothingChanges(self):
        self.indexed("t", 4, 2)
        self.indexed("u", 4, 2)
        table, other, group = self.prefix + "t", self.prefix + "u", self.prefix + "g"
        self.client.create_group(group, [1.0, 2.0], False)
        good = ([1], [[1.0, 1.0]])
        cases = {
            "unknown table": ({table: good, self.prefix + "missing": good}, {}, "NOT_FOUND"),
            "unknown group": ({table: good}, {self.prefix + "nogroup": [1.0]}, "NOT_FOUND"),
            "wrong width": ({table: good, other: ([0], [[1.0, 2.0, 3.0]])}, {}, "INVALID_ARGUMENT"),
            "id out of range": ({table: good, other: ([4], [[1.0, 1.0]])}, {}, "INVALID_ARGUMENT"),
            "NaN row": ({table: good, other: ([0], [[math.nan, 1.0]])}, {}, "INVALID_ARGUMENT"),
            "bad group": ({table: good}, {group: [math.inf, 1.0]}, "INVALID_ARGUMENT"),
        }
        for what, (rows, gradients, code) in cases.items():
            with self.subTest(what):
                self.assertRejected(code, self.client.push_rows, rows, gradients)
        pulled = self.client.pull_rows({table: [0, 1, 2, 3], other: [0, 1, 2, 3]})
        for rows in pulled.values():
            self.assertEqual(rows.version, 0)
            np.testing.assert_array_equal(rows.values, np.zeros((4, 2)))
        self.assertEqual(self.client.pull([group])[group].version, 0)

    def test_pushRows_idsAndValuesDisagree_valueErrorAndNothingSent(self):
        self.indexed("t", 4, 2)
        name = self.prefix + "t"
        for rows in ({name: ([0, 1], [[1.0, 1.0]])}, {name: ([0.5], [[1.0, 1.0]])},
                     {name: ([0], [1.0, 1.0])}):
            with self.subTest(rows):
                with self.assertRaises(ValueError):
                    self.client.push_rows(rows)
        with self.client.push_session() as session:
            with self.assertRaises(ValueError):
                session.push({}, rows={name: ([0, 1], np.ones((3, 2)))})
            self.assertEqual(session.unacknowledged, 0)
            session.push({}, rows={name: ([0], np.ones((1, 2)))})
            (result,) = list(session.acks())
        self.assertEqual(result.table_versions, {name: 1})

    def test_pushSession_rowsExactlyOnce_resentPushIsADuplicateAndAppliedOnce(self):
        self.indexed("t", 4, 1, lr=1.0, weight_decay_coef=0.0)
        name = self.prefix + "t"
        rows = {name: ([2], [[-1.0]])}
        results = []
        for _ in range(2):  # the second session stands for a worker re-sending after a failure
            with self.client.push_session() as session:
                session.push({}, worker_id=self.prefix, sequence=1, rows=rows)
                results.extend(session.acks())
        self.assertEqual([(r.ok, r.duplicate) for r in results], [(True, False), (True, True)])
        self.assertEqual(results[0].table_versions, {name: 1})
        got = self.rows("t", [2])
        self.assertEqual(got.version, 1)
        np.testing.assert_array_equal(got.values, [[1.0]])

    # Sizes past one message, both ways.

    def test_largePushAndPull_splitUnderOneMebibyteAndReassembled(self):
        rows, dim, k = 1_000_000, 64, 20_000  # 5 MB of rows each way: several messages
        self.indexed("big", rows, dim, lr=1.0, weight_decay_coef=0.0)
        rng = np.random.default_rng(3)
        ids = rng.choice(rows, size=k, replace=False)
        grad = rng.standard_normal((k, dim)).astype("<f4")
        self.client.push_rows({self.prefix + "big": (ids, grad)})
        order = rng.permutation(k)
        got = self.rows("big", ids[order])
        self.assertEqual(got.version, 1)
        np.testing.assert_array_equal(got.values, -grad[order])
        untouched = np.setdiff1d(np.arange(1000), ids)[:10]
        np.testing.assert_array_equal(self.rows("big", untouched).values, np.zeros((10, dim)))

    # Reads.

    def test_pullRowsIfNewer_onlyWhenNewer(self):
        self.indexed("t", 4, 2, lr=1.0, weight_decay_coef=0.0)
        name = self.prefix + "t"
        self.assertIsNone(self.client.pull_rows_if_newer(name, [0, 1], 0))
        self.client.push_rows({name: ([1], [[-1.0, -1.0]])})
        fresh = self.client.pull_rows_if_newer(name, [1, 0], 0)
        self.assertEqual(fresh.version, 1)
        np.testing.assert_array_equal(fresh.values, [[1, 1], [0, 0]])
        self.assertIsNone(self.client.pull_rows_if_newer(name, [1], 1))

    def test_pullRows_badRequests_rightCodes(self):
        self.indexed("t", 4, 2)
        self.assertRejected("NOT_FOUND", self.client.pull_rows, {self.prefix + "missing": [0]})
        error = self.assertRejected(
            "INVALID_ARGUMENT", self.client.pull_rows, {self.prefix + "t": [4]}
        )
        self.assertIn("4", error.message)

    def test_pullRows_severalTables_oneSnapshotAfterAPushOfBoth(self):
        self.indexed("a", 4, 1, lr=1.0, weight_decay_coef=0.0)
        self.keyed("b", 1, lr=1.0, weight_decay_coef=0.0)
        a, b = self.prefix + "a", self.prefix + "b"
        self.client.push_rows({a: ([0], [[-1.0]]), b: ([99], [[-2.0]])})
        pulled = self.client.pull_rows({a: [0, 1], b: [99]})
        self.assertEqual({t: r.version for t, r in pulled.items()}, {a: 1, b: 1})
        np.testing.assert_array_equal(pulled[a].values, [[1], [0]])
        np.testing.assert_array_equal(pulled[b].values, [[2]])

    # Hyperparameters and deletion.

    def test_setHyperparameters_tablesOnly_changesTablesAndLeavesGroups(self):
        self.indexed("t", 4, 2, weight_decay=True)
        group = self.prefix + "g"
        self.client.create_group(group, [1.0], True, lr=LR, weight_decay_coef=WEIGHT_DECAY)
        changed = self.client.set_hyperparameters(lr=1.0, tables=[self.prefix + "t"])
        self.assertEqual([(c.name, c.lr, c.weight_decay_coef) for c in changed],
                         [(self.prefix + "t", 1.0, WEIGHT_DECAY)])
        self.assertEqual(self.client.list_groups([group])[0].lr, LR)
        self.client.push_rows({self.prefix + "t": ([2], [[-1.0, -1.0]])})
        np.testing.assert_allclose(self.rows("t", [2]).values, [[1.0, 1.0]], atol=1e-6)
        self.assertRejected(
            "NOT_FOUND", self.client.set_hyperparameters, lr=2.0,
            tables=[self.prefix + "t", self.prefix + "missing"]
        )
        self.assertEqual(self.client.list_tables([self.prefix + "t"])[0].lr, 1.0)

    def test_deleteTables_allOrNone(self):
        self.indexed("a", 4, 1)
        self.indexed("b", 4, 1)
        a, b = self.prefix + "a", self.prefix + "b"
        self.assertRejected("NOT_FOUND", self.client.delete_tables, [a, self.prefix + "missing"])
        self.assertEqual(len(self.client.list_tables([a, b])), 2)
        self.client.delete_tables([a, b])
        self.assertRejected("NOT_FOUND", self.client.list_tables, [a])
        self.assertRejected("NOT_FOUND", self.client.pull_rows, {b: [0]})

    def test_serverInfo_listsSparseTables(self):
        self.assertIn("sparse_tables", self.client.server_info().features)


if __name__ == "__main__":
    unittest.main()
