"""How the client lays table rows into messages and puts pulled chunks back, without a server."""

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paramstream import MAX_SLICE_BYTES, ParamstreamError  # noqa: E402
from paramstream import client, tables  # noqa: E402
from paramstream.v1 import parameter_server_pb2 as pb  # noqa: E402

# Field tags and lengths a message adds around its payload: far below this.
FRAMING = 1024


def gathered(messages, table):
    ids = [i for m in messages for s in m.rows if s.table == table for i in s.ids]
    values = b"".join(s.values for m in messages for s in m.rows if s.table == table)
    return np.array(ids, dtype=np.uint64), np.frombuffer(values, dtype="<f4")


class PushMessagesTest(unittest.TestCase):
    def test_rowsAndDenseGroup_splitUnderOneMebibyteInOrder(self):
        rng = np.random.default_rng(5)
        ids = rng.integers(0, 1_000_000, size=4096)
        rows = rng.standard_normal((4096, 64)).astype("<f4")
        dense = rng.standard_normal(262_144).astype("<f4")
        messages = client._push_messages(
            9, {"g": dense}, "w1", 4, None, rows={"t": (ids, rows)}
        )
        self.assertGreater(len(messages), 2)
        for message in messages:
            self.assertLessEqual(message.ByteSize(), MAX_SLICE_BYTES + FRAMING)
            self.assertEqual(message.push_id, 9)
        self.assertEqual([m.continued for m in messages], [True] * (len(messages) - 1) + [False])
        self.assertEqual((messages[0].worker_id, messages[0].sequence), ("w1", 4))
        got_ids, got_values = gathered(messages, "t")
        np.testing.assert_array_equal(got_ids, ids.astype(np.uint64))
        np.testing.assert_array_equal(got_values, rows.ravel())
        self.assertEqual(
            b"".join(s.values for m in messages for s in m.gradients), dense.tobytes()
        )

    def test_rowLargerThanTheBudget_travelsAloneAndWhole(self):
        wide = np.ones((3, 300_000), dtype="<f4")  # 1.2 MB per row
        messages = client._push_messages(1, {}, rows={"t": ([5, 6, 7], wide)})
        self.assertEqual([[list(s.ids) for s in m.rows] for m in messages], [[[5]], [[6]], [[7]]])

    def test_tableWithoutIds_stillSentSoTheServerChecksIt(self):
        (message,) = client._push_messages(1, {}, rows={"t": ([], np.empty((0, 4)))})
        self.assertEqual([(s.table, len(s.ids), s.values) for s in message.rows], [("t", 0, b"")])

    def test_signedIds_keepTheirBits(self):
        (message,) = client._push_messages(
            1, {}, rows={"t": (np.array([-1, 3], dtype=np.int64), np.zeros((2, 1)))}
        )
        self.assertEqual(list(message.rows[0].ids), [2**64 - 1, 3])

    def test_idsThatAreNotIntegers_valueErrorNamingTheTable(self):
        with self.assertRaisesRegex(ValueError, "table 't'.*float64"):
            client._push_messages(1, {}, rows={"t": ([1.5], np.zeros((1, 2)))})
        with self.assertRaisesRegex(ValueError, "k x dim array for k = 2 ids, got shape \\(2,\\)"):
            client._push_messages(1, {}, rows={"t": ([1, 2], [0.0, 0.0])})


class RowAssemblerTest(unittest.TestCase):
    def chunk(self, offset, ids, dim=2, version=3):
        values = np.arange(len(ids) * dim, dtype="<f4") + offset * dim
        return pb.RowChunk(
            table="t", version=version, dim=dim, offset=offset, ids=ids, values=values.tobytes()
        )

    def test_chunks_reassembledInRequestOrder(self):
        assembler = tables.RowAssembler({"t": np.array([4, 1, 4], dtype=np.uint64)})
        assembler.add(self.chunk(0, [4, 1]))
        assembler.add(self.chunk(2, [4]))
        rows = assembler.result()["t"]
        self.assertEqual(rows.version, 3)
        np.testing.assert_array_equal(rows.values, [[0, 1], [2, 3], [4, 5]])

    def test_gapVersionChangeOrWrongIds_internalError(self):
        wanted = {"t": np.array([4, 1, 4], dtype=np.uint64)}
        for what, chunks in {
            "gap": [self.chunk(0, [4]), self.chunk(2, [4])],
            "version": [self.chunk(0, [4]), self.chunk(1, [1, 4], version=4)],
            "ids": [self.chunk(0, [4, 2])],
        }.items():
            with self.subTest(what):
                assembler = tables.RowAssembler(wanted)
                with self.assertRaises(ParamstreamError) as raised:
                    for chunk in chunks:
                        assembler.add(chunk)
                self.assertEqual(raised.exception.code, "INTERNAL")

    def test_answerEndingEarly_internalErrorNamingTheTable(self):
        assembler = tables.RowAssembler({"t": np.array([1, 2], dtype=np.uint64)})
        assembler.add(self.chunk(0, [1]))
        with self.assertRaisesRegex(ParamstreamError, "'t'"):
            assembler.result()


if __name__ == "__main__":
    unittest.main()
