"""The committed stubs in paramstream/v1/ are exactly what the .proto generates."""

import tempfile
import unittest
from pathlib import Path

import stubs

PACKAGE_PARENT = Path(__file__).resolve().parents[1]


class CommittedStubsTest(unittest.TestCase):
    def test_stubs_matchTheProto(self):
        with tempfile.TemporaryDirectory() as out:
            stubs.contract(out)
            for name in stubs.CONTRACT_FILES:
                with self.subTest(name):
                    fresh = (Path(out) / name).read_text()
                    committed = (PACKAGE_PARENT / name).read_text()
                    self.assertEqual(
                        committed, fresh, f"{name} is stale: run clients/python/generate.sh"
                    )


if __name__ == "__main__":
    unittest.main()
