package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.stub.MetadataUtils;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.proto.v1.CheckpointRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live dashboard in a real browser, against a real server process with tokens on and a client
 * pushing: what a person opening the page sees. Leaves a screenshot in
 * target/dashboard-screenshot.png.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READER = "reader-token-0123456789abcdef";
  private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshot.png");

  @TempDir Path work;

  @Test
  void dashboard_showsAdvancingGroupsAndChartsWithData_withoutConsoleErrors() throws Exception {
    Path tokens = work.resolve("tokens");
    Files.writeString(tokens, "admin " + ADMIN + "\nreader " + READER + "\n");
    ChromeDriver browser = HeadlessChromium.start(work.resolve("browser"));
    ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor();
    try (LoggedServerProcess server =
            LoggedServerProcess.startObserved(work, "--auth-tokens", tokens.toString());
        ParamstreamClient client =
            ParamstreamClient.builder().target(server.target()).token(ADMIN).build()) {
      client.createGroup(
          new GroupSpec(
              "embedding",
              new float[4096],
              false,
              new Hyperparameters(0.001, 0),
              OptimizerSpec.adam(0.9, 0.999, 1e-8)));
      client.createGroup(
          new GroupSpec("dense", new float[1024], true, new Hyperparameters(0.1, 1e-4)));
      pusher.scheduleAtFixedRate(
          () -> client.push(Map.of("embedding", new float[4096], "dense", new float[1024])),
          0,
          5,
          TimeUnit.MILLISECONDS);

      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.blocking(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(Stubs.bearer(ADMIN)))
          .checkpoint(CheckpointRequest.getDefaultInstance());
      channel.shutdownNow();

      browser.get("http://127.0.0.1:" + server.metricsPort() + "/?token=" + READER);
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

      wait.until(b -> count(browser, "tr[data-group]") == 2);
      long first = version(browser, "embedding");
      wait.until(b -> version(browser, "embedding") > first);
      assertThat(text(browser, cell("dense", "decay"))).isEqualTo("yes");
      assertThat(text(browser, cell("embedding", "optimizer"))).isEqualTo("adam");
      assertThat(text(browser, cell("embedding", "size"))).isEqualTo("4,096");
      // Rates need two samples, the charts a few: wait until each line chart has drawn some.
      for (String chart : List.of("pushes", "bytes", "latency", "memory", "open")) {
        wait.until(b -> points(browser, chart) >= 3);
        assertThat(count(browser, "#chart-" + chart + " path")).isPositive();
        assertThat(count(browser, "#chart-" + chart + " path:not([d^='M'])")).isZero();
      }
      wait.until(b -> !text(browser, cell("embedding", "pushes")).equals("–"));
      assertThat(Double.parseDouble(text(browser, cell("embedding", "pushes")))).isPositive();
      assertThat(text(browser, "#state")).isEqualTo("live");
      assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
      assertThat(text(browser, "#checkpoint")).endsWith("ago");
      assertThat(text(browser, "#chart-staleness")).contains("only in bounded-staleness mode");

      // -Ddashboard.watchSeconds=90 lets the charts fill before the screenshot (for the docs).
      Thread.sleep(TimeUnit.SECONDS.toMillis(Long.getLong("dashboard.watchSeconds", 0)));
      Files.createDirectories(SCREENSHOT.getParent());
      Files.write(SCREENSHOT, browser.getScreenshotAs(OutputType.BYTES));
      List<LogEntry> console = browser.manage().logs().get(LogType.BROWSER).getAll();
      assertThat(console).as("browser console").isEmpty();
    } finally {
      pusher.shutdownNow();
      browser.quit();
    }
  }

  private static String cell(String group, String column) {
    return "tr[data-group='" + group + "'] td." + column;
  }

  // Read in one script each: the page re-renders every second, so a held element goes stale.

  private static String text(ChromeDriver browser, String css) {
    Object text =
        browser.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            css);
    if (text == null) {
      throw new NoSuchElementException(css);
    }
    return (String) text;
  }

  private static long count(ChromeDriver browser, String css) {
    return (Long)
        browser.executeScript("return document.querySelectorAll(arguments[0]).length;", css);
  }

  private static long version(ChromeDriver browser, String group) {
    return Long.parseLong(text(browser, cell(group, "version")).replace(",", ""));
  }

  private static int points(ChromeDriver browser, String chart) {
    String drawn = browser.findElement(By.id("chart-" + chart)).getDomAttribute("data-points");
    return drawn == null ? 0 : Integer.parseInt(drawn);
  }
}
