package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.SubstituteLogger;

class PeerWarningsTest {

  private final ConcurrentLinkedQueue<SubstituteLoggingEvent> events =
      new ConcurrentLinkedQueue<>();
  private final AtomicLong now = new AtomicLong();
  private final PeerWarnings warnings =
      new PeerWarnings(
          new EventRecordingLogger(new SubstituteLogger("test", events, false), events),
          Duration.ofSeconds(10),
          now::get);

  private List<String> lines() {
    return events.stream()
        .map(e -> MessageFormatter.arrayFormat(e.getMessage(), e.getArgumentArray()).getMessage())
        .toList();
  }

  @Test
  void warn_manyFromOnePeerInAWindow_logsOnceThenCountsTheSuppressed() {
    for (int i = 0; i < 200; i++) {
      warnings.warn("10.0.0.1:" + (40000 + i), "svc/M", "malformed request: x");
    }
    assertThat(lines()).containsExactly("10.0.0.1:40000 svc/M: malformed request: x");

    now.addAndGet(Duration.ofSeconds(10).toNanos());
    warnings.warn("10.0.0.1:41000", "svc/M", "malformed request: y");
    assertThat(lines())
        .last()
        .isEqualTo(
            "10.0.0.1:41000 svc/M: malformed request: y (199 more from this peer suppressed)");
  }

  @Test
  void warn_otherPeers_haveTheirOwnBudget() {
    warnings.warn("10.0.0.1:1", "svc/M", "a");
    warnings.warn("10.0.0.2:1", "svc/M", "b");
    warnings.warn("10.0.0.1:2", "svc/M", "c");
    assertThat(lines()).containsExactly("10.0.0.1:1 svc/M: a", "10.0.0.2:1 svc/M: b");
  }
}
