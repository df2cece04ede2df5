"""The Python client against the real Java server, started from its jar.

Run from the repository root: /usr/bin/python3 -m unittest discover -s clients/python/tests
"""

import importlib.util
import math
import queue
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paramstream import ParamstreamClient, ParamstreamError, encode  # noqa: E402
from server_process import ServerProcess  # noqa: E402
import stubs  # noqa: E402

LR = 0.1
WEIGHT_DECAY = 0.01
TOLERANCE = 1e-6

server = None


def setUpModule():
    global server
    # Server defaults differ from the groups' own hyperparameters, so a test would notice if
    # the client failed to send them.
    server = ServerProcess("--lr", "0.5", "--weight-decay", "0.25")


def tearDownModule():
    if server is not None:
        server.close()


class ParamstreamEndToEndTest(unittest.TestCase):
    def setUp(self):
        self.client = ParamstreamClient(server.target, timeout=30)
        self.addCleanup(self.client.close)
        # One server serves every test: each test gets group names of its own.
        self.prefix = self.id().rsplit(".", 1)[-1] + "/"

    def create(self, name, values, weight_decay, **kwargs):
        kwargs.setdefault("lr", LR)
        kwargs.setdefault("weight_decay_coef", WEIGHT_DECAY)
        return self.client.create_group(self.prefix + name, values, weight_decay, **kwargs)

    def values(self, name):
        return self.client.pull([self.prefix + name])[self.prefix + name]

    def assertValues(self, name, expected, version):
        got = self.values(name)
        self.assertEqual(got.version, version)
        self.assertEqual(got.values.dtype, np.dtype("<f4"))
        np.testing.assert_allclose(got.values, expected, rtol=0, atol=TOLERANCE)

    # The three reference examples: lr 0.1, weight_decay 0.01.

    def test_reference_oneGroupWithDecay(self):
        self.create("w", [1.0, 2.0], True)
        versions = self.client.push({self.prefix + "w": [0.1, 0.2]})
        self.assertEqual(versions, {self.prefix + "w": 1})
        self.assertValues("w", [0.989, 1.978], 1)

    def test_reference_twoGroupsDecayAndNoDecay(self):
        self.create("w", np.array([1.0, 2.0]), True)
        self.create("b", [0.5], False)
        versions = self.client.push(
            {self.prefix + "w": np.array([0.1, 0.2]), self.prefix + "b": [0.05]}
        )
        self.assertEqual(versions, {self.prefix + "w": 1, self.prefix + "b": 1})
        pulled = self.client.pull([self.prefix + "w", self.prefix + "b"])
        np.testing.assert_allclose(pulled[self.prefix + "w"].values, [0.989, 1.978], atol=TOLERANCE)
        np.testing.assert_allclose(pulled[self.prefix + "b"].values, [0.495], atol=TOLERANCE)

    def test_reference_noDecay(self):
        self.create("w", [1.0, 2.0, 3.0], False)
        self.client.push({self.prefix + "w": [0.1, 0.2, 0.3]})
        self.assertValues("w", [0.99, 1.98, 2.97], 1)

    # Hyperparameters: what the group was created with is what the server uses.

    def test_createGroup_hyperparameters_recordedOnServer(self):
        info = self.create("w", [1.0], True)
        self.assertEqual((info.lr, info.weight_decay_coef, info.version), (LR, WEIGHT_DECAY, 0))
        (listed,) = self.client.list_groups([self.prefix + "w"])
        self.assertEqual(listed, info)

    def test_createGroup_onlyLr_takesServerDefaultDecay(self):
        info = self.create("w", [1.0], True, weight_decay_coef=None)
        self.assertEqual((info.lr, info.weight_decay_coef), (LR, 0.25))

    def test_setHyperparameters_changesNextPush(self):
        self.create("w", [1.0, 2.0], True)
        (info,) = self.client.set_hyperparameters(1.0, 0.0, [self.prefix + "w"])
        self.assertEqual((info.lr, info.weight_decay_coef), (1.0, 0.0))
        self.client.push({self.prefix + "w": [0.5, 0.5]})
        self.assertValues("w", [0.5, 1.5], 1)

    def test_kernel_numpyFormOfTheContract_reproducesTheServerBitForBit(self):
        rng = np.random.default_rng(7)
        theta = rng.standard_normal(4096).astype("<f4")
        grad = rng.standard_normal(4096).astype("<f4")
        lr, wd = 1e-4, 1e-4  # the decay the old factor form rounded away entirely
        self.create("k", theta, True, lr=lr, weight_decay_coef=wd)
        self.client.push({self.prefix + "k": grad})
        expected = theta - (np.float32(lr) * grad + np.float32(lr * wd) * theta)
        np.testing.assert_array_equal(self.values("k").values, expected)
        self.assertFalse(np.array_equal(expected, theta - np.float32(lr) * grad))

    def test_setHyperparameters_lrOnly_keepsWeightDecay(self):
        self.create("w", [1.0, 2.0], True)
        (info,) = self.client.set_hyperparameters(lr=0.05, names=[self.prefix + "w"])
        self.assertEqual((info.lr, info.weight_decay_coef), (0.05, WEIGHT_DECAY))
        self.client.push({self.prefix + "w": [0.1, 0.2]})
        # theta - (lr * grad + lr * wd * theta): the decay survived the schedule.
        expected = [1.0 - (0.05 * 0.1 + 0.05 * WEIGHT_DECAY * 1.0),
                    2.0 - (0.05 * 0.2 + 0.05 * WEIGHT_DECAY * 2.0)]
        self.assertValues("w", expected, 1)

    def test_setHyperparameters_nothingGiven_invalidArgument(self):
        self.create("w", [1.0], True)
        with self.assertRaises(ParamstreamError) as raised:
            self.client.set_hyperparameters(names=[self.prefix + "w"])
        self.assertEqual(raised.exception.code, "INVALID_ARGUMENT")

    # Errors: the right code, and nothing changes.

    def assertPushRejected(self, gradients, code):
        with self.assertRaises(ParamstreamError) as raised:
            self.client.push(gradients)
        self.assertEqual(raised.exception.code, code, raised.exception)
        self.assertTrue(raised.exception.message)
        return raised.exception

    def test_push_nan_invalidArgumentAndUnchanged(self):
        self.create("w", [1.0, 2.0], True)
        self.assertPushRejected({self.prefix + "w": [0.1, math.nan]}, "INVALID_ARGUMENT")
        self.assertValues("w", [1.0, 2.0], 0)

    def test_push_wrongLength_invalidArgumentAndUnchanged(self):
        self.create("w", [1.0, 2.0], True)
        self.assertPushRejected({self.prefix + "w": [0.1, 0.2, 0.3]}, "INVALID_ARGUMENT")
        self.assertPushRejected({self.prefix + "w": [0.1]}, "INVALID_ARGUMENT")
        self.assertValues("w", [1.0, 2.0], 0)

    def test_push_unknownGroupBesideGoodOne_notFoundAndNothingApplied(self):
        self.create("w", [1.0, 2.0], True)
        self.assertPushRejected(
            {self.prefix + "w": [0.1, 0.2], self.prefix + "missing": [1.0]}, "NOT_FOUND"
        )
        self.assertValues("w", [1.0, 2.0], 0)

    def test_createGroup_duplicate_alreadyExists(self):
        self.create("w", [1.0], True)
        with self.assertRaises(ParamstreamError) as raised:
            self.create("w", [2.0], True)
        self.assertEqual(raised.exception.code, "ALREADY_EXISTS")
        self.assertValues("w", [1.0], 0)

    def test_pull_unknownGroup_notFound(self):
        with self.assertRaises(ParamstreamError) as raised:
            self.client.pull([self.prefix + "missing"])
        self.assertEqual(raised.exception.code, "NOT_FOUND")

    def test_deleteGroups_thenList_notFound(self):
        self.create("w", [1.0], True)
        self.client.delete_groups([self.prefix + "w"])
        self.assertNotIn(self.prefix + "w", [g.name for g in self.client.list_groups()])
        with self.assertRaises(ParamstreamError) as raised:
            self.client.list_groups([self.prefix + "w"])
        self.assertEqual(raised.exception.code, "NOT_FOUND")

    # Streaming.

    def test_pushSession_manyPushes_ackedInOrderWithIncreasingVersions(self):
        self.create("w", [1.0, 2.0], False)
        name = self.prefix + "w"
        with self.client.push_session() as session:
            ids = [session.push({name: [0.1, 0.1]}) for _ in range(20)]
            results = list(session.acks())
        self.assertEqual([r.push_id for r in results], ids)
        self.assertEqual([r.versions[name] for r in results], list(range(1, 21)))
        self.assertTrue(all(r.ok for r in results))
        # 20 pushes of lr 0.1 * 0.1 each, in float32.
        self.assertValues("w", [0.8, 1.8], 20)

    def test_pushSession_maxInFlight_neverMoreUnansweredAndEveryAckKeptInOrder(self):
        self.create("w", [1.0], False)
        name = self.prefix + "w"
        in_flight = []
        with self.client.push_session(max_in_flight=2) as session:
            for _ in range(6):
                session.push({name: [0.1]})
                in_flight.append(session.in_flight)
            self.assertEqual(session.unacknowledged, 6)
            results = list(session.acks())
        self.assertLessEqual(max(in_flight), 2)
        self.assertEqual([r.push_id for r in results], [1, 2, 3, 4, 5, 6])
        self.assertEqual([r.versions[name] for r in results], [1, 2, 3, 4, 5, 6])

    def test_pushSession_badPushInTheMiddle_streamCarriesOn(self):
        self.create("w", [1.0], False)
        name = self.prefix + "w"
        with self.client.push_session() as session:
            session.push({name: [1.0]})
            session.push({name: [math.inf]})
            session.push({name: [1.0]})
            results = list(session.acks())
        self.assertEqual([r.code for r in results], ["OK", "INVALID_ARGUMENT", "OK"])
        self.assertEqual([r.versions.get(name) for r in results], [1, None, 2])
        with self.assertRaises(ParamstreamError):
            results[1].check()
        self.assertValues("w", [0.8], 2)

    def test_largeGroup_overFourMiB_roundTripsAndPushesInChunks(self):
        count = 1_500_000  # 6 MB of float32: over gRPC's 4 MiB message limit
        initial = np.random.default_rng(7).standard_normal(count).astype("<f4")
        self.create("big", initial, False)
        got = self.values("big")
        self.assertEqual(got.version, 0)
        np.testing.assert_array_equal(got.values, initial)

        grad = np.full(count, 1.0, dtype="<f4")
        self.assertEqual(self.client.push({self.prefix + "big": grad}), {self.prefix + "big": 1})
        expected = initial - np.float32(LR) * grad
        got = self.values("big")
        self.assertEqual(got.version, 1)
        np.testing.assert_array_equal(got.values, expected)

    def test_pullStream_manyPullsOnOneCall_thenAnErrorEndsIt(self):
        self.create("w", [1.0, 2.0], False)
        name = self.prefix + "w"
        with self.client.pull_stream(timeout=30) as stream:
            self.assertEqual(stream.pull([name])[name].version, 0)
            self.assertIsNone(stream.pull_if_newer(name, 0))
            self.client.push({name: [1.0, 1.0]})
            fresh = stream.pull_if_newer(name, 0)
            self.assertEqual(fresh.version, 1)
            np.testing.assert_allclose(fresh.values, [0.9, 1.9], rtol=0, atol=TOLERANCE)
            with self.assertRaises(ParamstreamError) as raised:
                stream.pull([self.prefix + "missing"])
            self.assertEqual(raised.exception.code, "NOT_FOUND")
            with self.assertRaises(ParamstreamError):
                stream.pull([name])

    def test_pullIfNewer_onlyWhenNewer(self):
        self.create("w", [1.0], False)
        name = self.prefix + "w"
        self.assertIsNone(self.client.pull_if_newer(name, 0))
        self.client.push({name: [1.0]})
        fresh = self.client.pull_if_newer(name, 0)
        self.assertEqual(fresh.version, 1)
        np.testing.assert_allclose(fresh.values, [0.9], atol=TOLERANCE)
        self.assertIsNone(self.client.pull_if_newer(name, 1))

    def test_watch_receivesUpdateAfterPush(self):
        self.create("w", [1.0, 2.0], False)
        name = self.prefix + "w"
        updates = queue.Queue()
        stream = self.client.watch([name])

        def consume():
            try:
                for update in stream:
                    updates.put(update)
            except Exception as e:  # reported to the test thread
                updates.put(e)

        threading.Thread(target=consume, daemon=True).start()
        self.addCleanup(stream.cancel)
        first = updates.get(timeout=20)
        self.assertEqual((first[0], first[1].version), (name, 0))
        self.client.push({name: [1.0, 1.0]})
        second = updates.get(timeout=20)
        self.assertEqual((second[0], second[1].version), (name, 1))
        np.testing.assert_allclose(second[1].values, [0.9, 1.9], atol=TOLERANCE)

    def test_watchSets_concurrentMultiGroupPushers_everySetIsOneStateAndTheLastIsLatest(self):
        # lr 1 and a gradient of -1 make every element equal its group's version.
        size, pushers, pushes_each = 20_000, 3, 40
        names = [self.prefix + "a", self.prefix + "b"]
        for name in ("a", "b"):
            self.create(name, np.zeros(size, dtype="<f4"), False, lr=1.0, weight_decay_coef=0.0)
        sets = queue.Queue()
        stream = self.client.watch(names)
        self.addCleanup(stream.cancel)

        def consume():
            try:
                for watch_set in stream.sets():
                    sets.put(watch_set)
                    time.sleep(0.02)  # a slow consumer: the server must coalesce, not queue
            except Exception as e:  # reported to the test thread
                sets.put(e)

        def push():
            with ParamstreamClient(server.target, timeout=30) as client:
                minus_one = -np.ones(size, dtype="<f4")
                for _ in range(pushes_each):
                    client.push({names[0]: minus_one, names[1]: minus_one})

        threading.Thread(target=consume, daemon=True).start()
        threads = [threading.Thread(target=push) for _ in range(pushers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        last = pushers * pushes_each
        seen = []
        while not seen or seen[-1][names[0]].version < last:
            watch_set = sets.get(timeout=20)
            self.assertNotIsInstance(watch_set, Exception)
            seen.append(watch_set)
        for watch_set in seen:
            self.assertEqual(sorted(watch_set), sorted(names))
            version = watch_set[names[0]].version
            self.assertEqual(watch_set[names[1]].version, version)
            for values in watch_set.values():
                np.testing.assert_array_equal(values.values, np.full(size, version, dtype="<f4"))
        versions = [s[names[0]].version for s in seen]
        self.assertEqual(versions, sorted(versions))
        self.assertLess(len(seen), last)

    # The contract's own words, checked against the wire.

    def test_payloadEncoding_matchesContractExample(self):
        self.assertEqual(encode([1.0, -2.5]), bytes.fromhex("0000803f000020c0"))


class ExampleScriptTest(unittest.TestCase):
    def test_exampleScript_runsCleanAgainstServer(self):
        script = Path(__file__).resolve().parents[1] / "example.py"
        run = subprocess.run(
            [sys.executable, str(script), server.target],
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("example 2: example2/group1 v1 = [0.49", run.stdout)
        self.assertIn("bad push rejected: INVALID_ARGUMENT", run.stdout)


class ReflectionTest(unittest.TestCase):
    """A generic gRPC tool discovers the service through server reflection (grpc.reflection.v1)."""

    def setUp(self):
        out = tempfile.TemporaryDirectory()
        self.addCleanup(out.cleanup)
        generated = stubs.reflection(out.name)
        # Loaded by path: as grpc.reflection.v1 it would be shadowed by the grpcio package.
        spec = importlib.util.spec_from_file_location("paramstream_test_reflection_pb2", generated)
        self.pb = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.pb)
        self.channel = grpc.insecure_channel(server.target)
        self.addCleanup(self.channel.close)
        self.info = self.channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=self.pb.ServerReflectionRequest.SerializeToString,
            response_deserializer=self.pb.ServerReflectionResponse.FromString,
        )

    def ask(self, **request):
        (response,) = list(self.info(iter([self.pb.ServerReflectionRequest(**request)]), timeout=30))
        return response

    def test_listServices_includesParameterServer(self):
        response = self.ask(list_services="")
        names = {s.name for s in response.list_services_response.service}
        self.assertIn("paramstream.v1.ParameterServer", names)
        self.assertIn("grpc.health.v1.Health", names)

    def test_fileContainingSymbol_describesPushAsBidiStream(self):
        from google.protobuf import descriptor_pb2

        response = self.ask(file_containing_symbol="paramstream.v1.ParameterServer")
        files = [
            descriptor_pb2.FileDescriptorProto.FromString(raw)
            for raw in response.file_descriptor_response.file_descriptor_proto
        ]
        (service,) = [s for f in files for s in f.service if s.name == "ParameterServer"]
        push = {m.name: m for m in service.method}["Push"]
        self.assertTrue(push.client_streaming and push.server_streaming)


if __name__ == "__main__":
    unittest.main()
