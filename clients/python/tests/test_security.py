"""TLS and bearer tokens from the Python client against a server started with --tls-cert,
--tls-key and --auth-tokens; the certificate is made by openssl for this run."""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paramstream import ParamstreamClient, ParamstreamError  # noqa: E402
from server_process import ServerProcess  # noqa: E402

ADMIN = "admin-token-0123456789"
READER = "reader-token-0123456789"


class TlsAndTokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        work = Path(cls.dir.name)
        cls.cert, key, tokens = work / "cert.pem", work / "key.pem", work / "tokens"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(key), "-out", str(cls.cert)],
            check=True, capture_output=True,
        )
        tokens.write_text(f"admin {ADMIN}\nreader {READER}\n")
        cls.server = ServerProcess(
            "--tls-cert", str(cls.cert), "--tls-key", str(key), "--auth-tokens", str(tokens)
        )

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.dir.cleanup()

    def client(self, token):
        credentials = grpc.ssl_channel_credentials(root_certificates=self.cert.read_bytes())
        client = ParamstreamClient(
            self.server.target, timeout=10, credentials=credentials, token=token
        )
        self.addCleanup(client.close)
        return client

    def test_adminToken_overTls_createsPushesPullsAndWatches(self):
        client = self.client(ADMIN)
        client.create_group("tls/w", [1.0, 2.0], True, lr=0.1, weight_decay_coef=0.01)
        with client.push_session() as session:  # a stream call carries the token too
            session.push({"tls/w": [0.1, 0.2]})
        self.assertEqual(client.pull(["tls/w"])["tls/w"].version, 1)
        with client.watch(["tls/w"], timeout=10) as watch:
            name, values = next(iter(watch))
        self.assertEqual((name, values.version), ("tls/w", 1))

    def test_noToken_unauthenticated(self):
        with self.assertRaises(ParamstreamError) as raised:
            self.client(None).list_groups()
        self.assertEqual(raised.exception.code, "UNAUTHENTICATED")

    def test_readerToken_mayReadButNotPush(self):
        client = self.client(READER)
        client.list_groups()
        with self.assertRaises(ParamstreamError) as raised:
            client.create_group("tls/denied", [1.0], False)
        self.assertEqual(raised.exception.code, "PERMISSION_DENIED")

    def test_plaintextClient_againstTlsServer_unavailable(self):
        with ParamstreamClient(self.server.target, timeout=5, token=ADMIN) as client:
            with self.assertRaises(ParamstreamError) as raised:
                client.list_groups()
        self.assertEqual(raised.exception.code, "UNAVAILABLE")


if __name__ == "__main__":
    unittest.main()
