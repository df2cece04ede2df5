package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's "Use it from your project" Maven snippet, pasted into a fresh project outside this
 * build: it must compile against the client that {@code ./mvnw install} puts in a local repository
 * and talk to a real server. The install runs in a copy of the sources with a private local
 * repository under target/, so it neither rewrites this build's jars while other tests use them nor
 * writes to the shared ~/.m2. That one is only read, as Maven's read-only "tail" of the private
 * repository (maven.repo.local.tail): what this build already downloaded is not fetched from Maven
 * Central again, which took minutes.
 */
@Timeout(300)
class OutsideMavenProjectTest {

  private static final Path WORK = Path.of("target", "outside-project").toAbsolutePath();

  /** The dependency block of the README section, the way a reader would copy it. */
  private static final Pattern MAVEN_SNIPPET =
      Pattern.compile("## Use it from your project.*?```xml\\n(.*?)```", Pattern.DOTALL);

  @Test
  void readmeMavenSnippet_inFreshProject_pushesAndPullsAgainstServer() throws Exception {
    Path root = Path.of(System.getProperty("paramstream.repo.root")).toAbsolutePath().normalize();
    String version = System.getProperty("paramstream.version");
    Matcher snippet = MAVEN_SNIPPET.matcher(Files.readString(root.resolve("README.md")));
    assertThat(snippet.find())
        .as("README has a Maven snippet under 'Use it from your project'")
        .isTrue();
    String dependency = snippet.group(1);
    assertThat(dependency).contains("<artifactId>paramstream-client</artifactId>", version);

    Path repository = WORK.resolve("m2");
    Path sources = WORK.resolve("sources");
    deleteRecursively(sources);
    copySources(root, sources);
    run(
        sources,
        WORK.resolve("install.log"),
        240,
        "./mvnw",
        "-B",
        "-pl",
        "client",
        "-am",
        "install",
        // Neither compiles nor runs the modules' tests (this build does): 19 s instead of 31 s.
        "-Dmaven.test.skip=true",
        "-Dspotless.check.skip=true",
        "-Dmaven.repo.local=" + repository,
        readOnlyTail());
    // The published artifacts a build tool or IDE looks for.
    Path installed = repository.resolve("io/paramstream/paramstream-client/" + version);
    String base = "paramstream-client-" + version;
    assertThat(installed.resolve(base + ".jar")).isRegularFile();
    assertThat(installed.resolve(base + "-sources.jar")).isRegularFile();
    assertThat(installed.resolve(base + "-javadoc.jar")).isRegularFile();
    assertThat(
            repository
                .resolve("io/paramstream/paramstream-proto/" + version)
                .resolve("paramstream-proto-" + version + "-sources.jar"))
        .isRegularFile();

    Path app = WORK.resolve("app");
    deleteRecursively(app);
    Files.createDirectories(app.resolve("src/main/java/example"));
    Files.writeString(app.resolve("pom.xml"), appPom(dependency));
    Files.writeString(app.resolve("src/main/java/example/Main.java"), MAIN);
    run(
        app,
        WORK.resolve("app-build.log"),
        180,
        sources.resolve("mvnw").toString(),
        "-B",
        "package",
        "dependency:build-classpath",
        "-Dmdep.outputFile=classpath.txt",
        "-Dmaven.repo.local=" + repository,
        readOnlyTail());

    try (ServerProcess server = ServerProcess.start("--port", "0")) {
      int port = server.awaitPort();
      String classpath =
          app.resolve("target/classes") + ":" + Files.readString(app.resolve("classpath.txt"));
      Path output = WORK.resolve("app-run.log");
      run(
          app,
          output,
          60,
          ServerProcess.java(),
          "-cp",
          classpath,
          "example.Main",
          "127.0.0.1:" + port);
      // lr 0.1, decay 0.01: [1, 2] - 0.1 * ([0.1, 0.2] + 0.01 * [1, 2]) = [0.989, 1.978]
      assertThat(Files.readString(output)).contains("w version 1: 0.989 1.978");
    }
  }

  /** This build's local repository, read but never written by the builds the test runs. */
  private static String readOnlyTail() {
    return "-Dmaven.repo.local.tail=" + System.getProperty("paramstream.maven.repo");
  }

  private static String appPom(String dependency) {
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>example</groupId>
          <artifactId>outside-app</artifactId>
          <version>1</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
          <dependencies>
        %s  </dependencies>
          <build>
            <pluginManagement>
              <plugins>
                <plugin>
                  <artifactId>maven-dependency-plugin</artifactId>
                  <version>3.11.0</version>
                </plugin>
              </plugins>
            </pluginManagement>
          </build>
        </project>
        """
        .formatted(dependency);
  }

  private static final String MAIN =
      """
      package example;

      import io.paramstream.client.GroupSpec;
      import io.paramstream.client.GroupValues;
      import io.paramstream.client.Hyperparameters;
      import io.paramstream.client.ParamstreamClient;
            import java.util.Locale;
      import java.util.Map;

      public class Main {
        public static void main(String[] args) {
          try (ParamstreamClient client = ParamstreamClient.builder().target(args[0]).build()) {
            client.createGroup(
                new GroupSpec("w", new float[] {1f, 2f}, true, new Hyperparameters(0.1, 0.01)));
            client.push(Map.of("w", new float[] {0.1f, 0.2f}));
            GroupValues w = client.pull("w").get("w");
            System.out.printf(
                Locale.ROOT, "w version %d: %.3f %.3f%n", w.version(), w.values()[0], w.values()[1]);
          }
        }
      }
      """;

  /** The build's sources without outputs, dependencies or history. */
  private static void copySources(Path from, Path to) throws IOException {
    List<String> skipped = List.of("target", "node_modules", ".git", "clients");
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path relative = from.relativize(path);
        boolean skip = false;
        for (Path part : relative) {
          skip |= skipped.contains(part.toString());
        }
        if (skip) {
          continue;
        }
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES); // keeps mvnw executable
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }

  /** Runs a command with its output in {@code log}; fails with the log's tail unless it exits 0. */
  private static void run(Path dir, Path log, long timeoutSeconds, String... command)
      throws Exception {
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(new ArrayList<>(List.of(command)))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!exited) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    String tail = output.substring(Math.max(0, output.length() - 4000));
    assertThat(exited)
        .as("%s finished within %d s; log %s:%n%s", command[0], timeoutSeconds, log, tail)
        .isTrue();
    assertThat(process.exitValue())
        .as("%s exit code; log %s:%n%s", String.join(" ", command), log, tail)
        .isZero();
  }
}
