package io.paramstream.client;

import static io.paramstream.client.FakeParameterServer.chunks;
import static io.paramstream.client.FakeParameterServer.ramp;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.paramstream.proto.v1.GroupChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(20)
class WatchSubscriptionTest {
  @RegisterExtension final InProcessGrpc grpc = new InProcessGrpc();

  private final FakeParameterServer fake = new FakeParameterServer();
  private final BlockingQueue<GroupValues> updates = new LinkedBlockingQueue<>();
  private final CompletableFuture<ParamstreamException> error = new CompletableFuture<>();
  private ParamstreamClient client;

  @BeforeEach
  void setUp() {
    client = ParamstreamClient.create(grpc.start(fake));
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  @Test
  void watch_multiChunkUpdates_deliversReassembledValues() throws Exception {
    float[] w1 = ramp(10);
    float[] w2 = ramp(10);
    w2[0] = 42f;
    float[] b = {3f};
    List<GroupChunk> reply = new ArrayList<>(chunks("w", 1, w1, 3));
    reply.addAll(chunks("b", 4, b, 3));
    reply.addAll(chunks("w", 2, w2, 4));
    fake.watchReply = reply;

    try (WatchSubscription subscription = client.watch(updates::add, error::complete, "w", "b")) {
      assertThat(next()).isEqualTo(new GroupValues("w", 1, w1));
      assertThat(next()).isEqualTo(new GroupValues("b", 4, b));
      assertThat(next()).isEqualTo(new GroupValues("w", 2, w2));
      assertThat(subscription.isDone()).isFalse();
    }
    assertThat(fake.watchRequests.get(0).getGroupsList())
        .extracting(g -> g.getName())
        .containsExactly("w", "b");
    assertThat(updates).isEmpty();
  }

  @Test
  void watchSets_setsEndedByMarker_deliversOneSetPerCallback() throws Exception {
    float[] w1 = ramp(10);
    float[] b1 = {3f};
    float[] w2 = ramp(10);
    w2[0] = 42f;
    List<GroupChunk> reply = new ArrayList<>(chunks("w", 1, w1, 3));
    reply.addAll(endingSet(chunks("b", 1, b1, 3)));
    reply.addAll(endingSet(chunks("w", 2, w2, 4)));
    fake.watchReply = reply;
    BlockingQueue<WatchSet> sets = new LinkedBlockingQueue<>();

    try (WatchSubscription subscription = client.watchSets(sets::add, error::complete, "w", "b")) {
      assertThat(sets.poll(5, TimeUnit.SECONDS))
          .isEqualTo(
              new WatchSet(List.of(new GroupValues("w", 1, w1), new GroupValues("b", 1, b1))));
      WatchSet second = sets.poll(5, TimeUnit.SECONDS);
      assertThat(second.groups()).containsExactly(new GroupValues("w", 2, w2));
      assertThat(second.byName()).containsOnlyKeys("w");
      assertThat(subscription.isDone()).isFalse();
    }
    assertThat(sets).isEmpty();
  }

  /** The chunks of a set's last group, the last one carrying the set's end marker. */
  private static List<GroupChunk> endingSet(List<GroupChunk> chunks) {
    List<GroupChunk> marked = new ArrayList<>(chunks);
    int last = marked.size() - 1;
    marked.set(last, marked.get(last).toBuilder().setEndOfPull(true).build());
    return marked;
  }

  @Test
  void close_cancelsServerCallWithoutReportingAnError() throws Exception {
    fake.watchReply = chunks("w", 1, ramp(4), 4);
    WatchSubscription subscription = client.watch(updates::add, error::complete, "w");
    assertThat(next()).isNotNull();

    subscription.close();

    assertThat(fake.watchCancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(subscription.isDone()).isTrue();
    Thread.sleep(50);
    assertThat(error).isNotDone();
  }

  @Test
  void watch_groupDeleted_reportsNotFound() throws Exception {
    fake.watchFailure = Status.NOT_FOUND.withDescription("group w deleted");

    client.watch(updates::add, error::complete, "w");

    ParamstreamException e = error.get(5, TimeUnit.SECONDS);
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getMessage()).contains("group w deleted");
  }

  @Test
  void watch_chunkOfOtherGroupMidGroup_reportsInternalAndCancels() throws Exception {
    List<GroupChunk> reply = new ArrayList<>(chunks("w", 1, ramp(10), 4).subList(0, 1));
    reply.addAll(chunks("b", 1, ramp(2), 4));
    fake.watchReply = reply;

    client.watch(updates::add, error::complete, "w", "b");

    assertThat(error.get(5, TimeUnit.SECONDS).code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(fake.watchCancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(updates).isEmpty();
  }

  @Test
  void clientClose_openWatch_reportsCancelled() throws Exception {
    client.watch(updates::add, error::complete, "w");

    client.close();

    ParamstreamException e = error.get(5, TimeUnit.SECONDS);
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(fake.watchCancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  private GroupValues next() throws InterruptedException {
    GroupValues values = updates.poll(5, TimeUnit.SECONDS);
    assertThat(values).as("update within 5 s").isNotNull();
    return values;
  }
}
