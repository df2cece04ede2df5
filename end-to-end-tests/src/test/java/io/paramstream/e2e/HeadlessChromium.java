package io.paramstream.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's chromium driven by Debian's chromedriver, headless, with a fresh profile: no browser is
 * downloaded, and nothing from an earlier run (cache, cookies) is reused.
 */
final class HeadlessChromium {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private HeadlessChromium() {}

  /**
   * Starts a browser whose console messages can be read back; fails (never skips) when the Debian
   * packages are missing, since the dashboard would then go untested.
   */
  static ChromeDriver start(Path workDir) throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new AssertionError(
          "the dashboard test needs Debian's chromium and chromium-driver packages ("
              + CHROMIUM
              + ", "
              + CHROMEDRIVER
              + "): run bash .ci/install-browser.sh, or"
              + " apt-get install -y chromium chromium-driver");
    }
    Files.createDirectories(workDir);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1440,1300",
        "--lang=en-US",
        "--user-data-dir=" + Files.createTempDirectory(workDir, "profile"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(workDir.resolve("chromedriver.log").toFile())
            .build();
    return new ChromeDriver(service, options);
  }
}
