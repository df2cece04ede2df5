package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Who may read /metrics and the dashboard of a real server process started with --auth-tokens. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsAccessProcessTest {

  private static final String READER = "reader-token-0123456789abcdef";

  @TempDir Path work;

  private Path tokens() throws IOException {
    Path tokens = work.resolve("tokens");
    Files.writeString(tokens, "reader " + READER + "\n");
    return tokens;
  }

  @Test
  void metrics_withAuthTokens_needAToken() throws Exception {
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"), "--auth-tokens", tokens().toString(), "--metrics-port", "0")) {
      int port = server.metricsPort();
      assertThat(scrape(port, null).statusCode()).isEqualTo(401);
      assertThat(scrape(port, "Bearer wrong-token-0123456789abcdef").statusCode()).isEqualTo(401);
      HttpResponse<String> allowed = scrape(port, "Bearer " + READER);
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.body()).contains("paramstream_groups 0.0");
      // Bound to --host (127.0.0.1) only: another loopback address finds nothing there.
      assertThrows(
          ConnectException.class,
          () -> new Socket().connect(new InetSocketAddress("127.0.0.2", port), 2000));
    }
  }

  @Test
  void dashboard_withAuthTokens_takesTheTokenInTheHeaderOrOnThePageOnly() throws Exception {
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"), "--auth-tokens", tokens().toString(), "--metrics-port", "0")) {
      int port = server.metricsPort();
      assertThat(get(port, "/", null).statusCode()).isEqualTo(401);
      assertThat(get(port, "/?token=wrong-token-0123456789abcdef", null).statusCode())
          .isEqualTo(401);
      HttpResponse<String> page = get(port, "/?token=" + READER, null);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Paramstream</title>");
      assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();

      assertThat(get(port, "/api/status", null).statusCode()).isEqualTo(401);
      // The query token opens the page only: data and metrics still need the header.
      assertThat(get(port, "/api/status?token=" + READER, null).statusCode()).isEqualTo(401);
      assertThat(get(port, "/metrics?token=" + READER, null).statusCode()).isEqualTo(401);
      HttpResponse<String> status = get(port, "/api/status", "Bearer " + READER);
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(status.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(status.body()).contains("\"groups\":[]").contains("\"mode\":\"asynchronous\"");
      assertThat(get(port, "/nothing-here", "Bearer " + READER).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void metrics_withMetricsOpen_needNoToken() throws Exception {
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"),
            "--auth-tokens",
            tokens().toString(),
            "--metrics-port",
            "0",
            "--metrics-open")) {
      assertThat(scrape(server.metricsPort(), null).statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> scrape(int port, String authorization) throws Exception {
    return get(port, "/metrics", authorization);
  }

  private static HttpResponse<String> get(int port, String path, String authorization)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
