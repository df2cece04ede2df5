package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.paramstream.client.GroupValues;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.WatchRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers cannot hurt writers (issue #11), on the real server jar with a 256 MiB heap: readers that
 * never or hardly ever take their answers hold only their place in a read and the chunks in flight,
 * not a copy of their groups. Server memory stays within the heap plus 150 MiB, nothing fails with
 * OutOfMemoryError or UNKNOWN, and a normal pusher's p99 latency stays within 3x of its p99 alone.
 */
@Timeout(180)
class ReaderAttackProcessTest {

  private static final long HEAP = 256L << 20;
  private static final long RSS_LIMIT = HEAP + (150L << 20);
  private static final int PUSHES = 2000;
  private static final int SMALL = 1024;

  @TempDir Path work;

  private final List<ManagedChannel> opened = new ArrayList<>();

  @AfterEach
  void closeChannels() {
    opened.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  void watchersThatNeverRead_ofAFourMegabyteGroup_costNeitherMemoryNorPushLatency()
      throws Exception {
    int watched = 1_000_000; // 4 MB, one push message under the 4 MiB limit
    try (LoggedServerProcess server = LoggedServerProcess.start(work, "--chunk-bytes", "65536");
        StalledReaders watchers = new StalledReaders()) {
      ManagedChannel main = channels(server, 1).get(0);
      Stubs.create(ParameterServerGrpc.newStub(main), "watched", watched, 0.01);
      WatchRequest watch =
          WatchRequest.newBuilder()
              .addGroups(GroupSelector.newBuilder().setName("watched"))
              .build();
      try (LatencyProbe bigPusher = new LatencyProbe(main, "watched", watched)) {
        assertHarmless(
            server,
            "200 stalled watchers",
            channels -> {
              for (int i = 0; i < 200; i++) {
                watchers.start(
                    channels.get(i % channels.size()),
                    ParameterServerGrpc.getWatchMethod(),
                    watch,
                    0);
              }
              Thread.sleep(2000); // let the watches settle into their stalled state
              // The watched group changes while every watcher is stuck in the middle of a set.
              bigPusher.push(5);
            });
      }
      assertThat(watchers.closeCodes()).isEmpty(); // all still open, none failed
    }
  }

  @Test
  void slowPullers_ofAGroupHalfTheHeap_costNeitherMemoryNorPushLatency_andAPullStillWorks()
      throws Exception {
    int huge = 32 << 20; // 128 MiB of floats in a 256 MiB heap, four times the readers' budget
    try (LoggedServerProcess server = LoggedServerProcess.start(work);
        StalledReaders pullers = new StalledReaders()) {
      ManagedChannel main = channels(server, 1).get(0);
      Stubs.create(ParameterServerGrpc.newStub(main), "huge", huge, 0.01);
      PullRequest pull =
          PullRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName("huge")).build();
      assertHarmless(
          server,
          "5 slow pullers",
          channels -> {
            for (int i = 0; i < 5; i++) {
              pullers.start(
                  channels.get(i % channels.size()),
                  ParameterServerGrpc.getPullMethod(),
                  pull,
                  500);
            }
          });
      assertThat(pullers.received()).isPositive();
      assertThat(pullers.closeCodes()).isEmpty(); // all still streaming, none failed

      // A whole pull of the group, far larger than the readers' budget, still works meanwhile.
      try (ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
        GroupValues values = client.pull("huge").get("huge");
        assertThat(values.values()).hasSize(huge);
        assertThat(values.version()).isZero();
      }
    }
  }

  /** Starts an attack over the given connections. */
  private interface Attack {
    void start(List<ManagedChannel> connections) throws Exception;
  }

  /**
   * Times a normal 1K-float pusher alone, starts {@code attack} on four other connections, and
   * times the pusher again while sampling the server's RSS. The machine is shared, so one noisy
   * block of pushes is forgiven: the attacked p99 must be within 3x of the p99 alone in one of
   * three blocks (an attack that hurts pushers slows all of them). Memory must stay bounded
   * throughout.
   */
  private void assertHarmless(LoggedServerProcess server, String name, Attack attack)
      throws Exception {
    ManagedChannel worker = channels(server, 1).get(0);
    Stubs.create(ParameterServerGrpc.newStub(worker), "small", SMALL, 0.01);
    try (LatencyProbe probe = new LatencyProbe(worker, "small", SMALL)) {
      probe.push(500); // warm-up
      long alone = LatencyProbe.p99(probe.push(PUSHES));
      try (RssSampler rss = new RssSampler(server)) {
        attack.start(channels(server, 4));
        long attacked = Long.MAX_VALUE;
        for (int block = 0; block < 3 && attacked > 3 * alone; block++) {
          attacked = Math.min(attacked, LatencyProbe.p99(probe.push(PUSHES)));
        }
        report(name, alone, attacked, rss.max());
        assertThat(rss.max()).isLessThan(RSS_LIMIT);
        assertThat(attacked).isLessThanOrEqualTo(3 * alone);
      }
    }
    assertThat(server.log()).doesNotContain("OutOfMemoryError").doesNotContain("UNKNOWN");
  }

  private List<ManagedChannel> channels(LoggedServerProcess server, int count) {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      channels.add(Stubs.plaintext(server.target()));
    }
    opened.addAll(channels);
    return channels;
  }

  private static void report(String attack, long alone, long attacked, long rss) throws Exception {
    String line =
        String.format(
            "%s: push p99 alone %.2f ms, attacked %.2f ms; server RSS max %d MiB (limit %d)%n",
            attack, alone / 1e6, attacked / 1e6, rss >> 20, RSS_LIMIT >> 20);
    Files.writeString(
        Path.of("target", "reader-attack.txt"),
        line,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  /** Samples the server's RSS every 20 ms until closed. */
  private static final class RssSampler implements AutoCloseable {
    private final AtomicLong max = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    RssSampler(LoggedServerProcess server) {
      thread =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    max.accumulateAndGet(server.rssBytes(), Math::max);
                    Thread.sleep(20);
                  } catch (Exception e) {
                    return;
                  }
                }
              },
              "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    long max() {
      return max.get();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join();
    }
  }
}
