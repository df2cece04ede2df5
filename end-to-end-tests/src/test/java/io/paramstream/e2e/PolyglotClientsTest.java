package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Python and Node clients' own test suites, run against the server jar, so that {@code ./mvnw
 * verify} proves the {@code .proto} alone is enough for another language. Missing tools fail the
 * build with the package to install rather than skipping: a skipped check would let the other
 * clients rot unseen. {@code .ci/install-polyglot.sh} installs everything.
 */
@Timeout(1200)
class PolyglotClientsTest {

  /** Debian's interpreter: the one python3-grpcio and friends install for. */
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  // The Python suite trains small models with real worker processes (test_torch): minutes.
  private static final long SUITE_TIMEOUT_SECONDS = 600;

  @Test
  void pythonClient_unittestSuite_passesAgainstServerJar() throws Exception {
    require(
        Files.isExecutable(PYTHON),
        "/usr/bin/python3 not found: install the Debian package python3");
    for (String[] module :
        new String[][] {
          {"grpc", "python3-grpcio"},
          {"google.protobuf", "python3-protobuf"},
          {"numpy", "python3-numpy"}
        }) {
      Result probe = run(List.of(PYTHON.toString(), "-c", "import " + module[0]), 60);
      require(
          probe.exitCode == 0,
          "/usr/bin/python3 cannot import "
              + module[0]
              + ": install the Debian package "
              + module[1]
              + " (or run .ci/install-polyglot.sh)");
    }
    require(
        Files.isExecutable(Path.of("/usr/bin/protoc")),
        "/usr/bin/protoc not found: install the Debian package protobuf-compiler");
    require(
        Files.isExecutable(Path.of("/usr/bin/grpc_python_plugin")),
        "/usr/bin/grpc_python_plugin not found: install the Debian package protobuf-compiler-grpc");
    require(
        Files.isRegularFile(Path.of("/usr/share/grpc-proto/grpc/reflection/v1/reflection.proto")),
        "the reflection .proto is missing: install the Debian package grpc-proto");

    require(
        run(List.of(PYTHON.toString(), "-c", "import ensurepip, setuptools, wheel"), 60).exitCode
            == 0,
        "/usr/bin/python3 cannot make a venv and build the package: install the Debian packages"
            + " python3-venv, python3-setuptools and python3-wheel");

    // The committed stubs are checked against the .proto by the suite (test_stubs.py), and the
    // package is pip-installed into a fresh venv by it (test_package.py).
    Result tests =
        run(
            List.of(
                PYTHON.toString(),
                "-m",
                "unittest",
                "discover",
                "-v",
                "-s",
                "clients/python/tests"),
            SUITE_TIMEOUT_SECONDS);
    assertSucceeded("python unittest", tests);
    // unittest exits 0 when it finds nothing to run; make sure the suite really ran.
    assertThat(tests.output)
        .containsPattern("test_reference_oneGroupWithDecay .* ok")
        .containsPattern("test_pipInstall_inVenvOverDebianPackages_runsOutsideTheSourceTree .* ok")
        .containsPattern("test_stubs_matchTheProto .* ok")
        .containsPattern("test_pushRows_withDenseGroup_oneAtomicPushAndBothVersions .* ok")
        .containsPattern("test_adam_equalsSparseAdam .* ok")
        .containsPattern("Ran [1-9]");
  }

  @Test
  void nodeClient_testSuite_passesAgainstServerJar() throws Exception {
    Optional<Path> node = onPath("node");
    require(
        node.isPresent(),
        "node not found on PATH: install the Debian package nodejs (18+), or run .ci/install-polyglot.sh");
    Result version = run(List.of(node.get().toString(), "--version"), 30);
    require(
        version.exitCode == 0 && majorVersion(version.output) >= 18,
        "node 18 or newer is needed for node --test, found " + version.output.trim());
    require(
        Files.isDirectory(repoRoot().resolve("clients/node/node_modules/@grpc/grpc-js")),
        "clients/node/node_modules is missing: run npm ci in clients/node"
            + " (or .ci/install-polyglot.sh)");

    Result tests =
        run(List.of(node.get().toString(), "--test", "clients/node/"), SUITE_TIMEOUT_SECONDS);
    assertSucceeded("node --test", tests);
    // node --test also exits 0 when it finds no test file.
    assertThat(tests.output)
        .containsPattern("# pass [1-9]")
        .contains("# fail 0")
        .containsPattern(
            "ok \\d+ - npm pack output installs in a fresh folder and talks to the server")
        .containsPattern("ok \\d+ - rows and dense groups in one push: both versions, or neither");
  }

  private record Result(int exitCode, String output) {}

  private static void require(boolean condition, String message) {
    if (!condition) {
      fail(message);
    }
  }

  private static void assertSucceeded(String what, Result result) {
    assertThat(result.exitCode)
        .as("%s exited with %d; its output:%n%s", what, result.exitCode, result.output)
        .isZero();
  }

  /** Runs a command in the repository root with the server jar in its environment. */
  private static Result run(List<String> command, long timeoutSeconds) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(repoRoot().toFile()).redirectErrorStream(true);
    builder.environment().put("PARAMSTREAM_SERVER_JAR", ServerProcess.jar().toString());
    // The suites start the jar with this JDK, not whatever java is first on PATH.
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(process.getInputStream(), output), "polyglot-output");
    reader.setDaemon(true);
    reader.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      // Children first: the suites' server processes would otherwise outlive the test.
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      reader.join(5000);
      fail(
          "%s did not finish within %d s; its output so far:%n%s",
          command, timeoutSeconds, output.toString(StandardCharsets.UTF_8));
    }
    reader.join(10_000);
    return new Result(process.exitValue(), output.toString(StandardCharsets.UTF_8));
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try (in) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) != -1) {
        synchronized (out) {
          out.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path repoRoot() {
    String root = System.getProperty("paramstream.repo.root");
    require(root != null, "system property paramstream.repo.root is not set (see the pom)");
    return Path.of(root).toAbsolutePath().normalize();
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** "v20.20.2" -> 20. */
  private static int majorVersion(String version) {
    String digits = version.trim().replaceFirst("^v", "");
    int dot = digits.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? digits : digits.substring(0, dot));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
