package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link GroupStore#checkCanCreate} refuses what {@code create} would, before any allocation. */
@Timeout(10)
class GroupStoreCreateLimitsTest {

  private final GroupStore store =
      new GroupStore(new Hyperparameters(0.1, 0), new StoreLimits(2, 400));

  @Test
  void checkCanCreate_sizeOutsideArrayRange_invalidArgumentNamingIt() {
    for (long size : List.of(0L, -1L, (long) Integer.MAX_VALUE, 1L << 40)) {
      assertThatThrownBy(() -> store.checkCanCreate("g", size))
          .isInstanceOfSatisfying(
              GroupStoreException.class,
              e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.INVALID_ARGUMENT))
          .hasMessageContaining(Long.toUnsignedString(size));
    }
  }

  @Test
  void checkCanCreate_pastParameterBytes_resourceExhaustedNamingElementsAndBytes() {
    assertThatThrownBy(() -> store.checkCanCreate("g", GroupStore.MAX_GROUP_SIZE))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.RESOURCE_EXHAUSTED))
        .hasMessageContaining("2147483639 elements (8589934556 bytes)");
    assertThat(store.parameterBytes()).isZero();
  }

  @Test
  void checkCanCreate_takenNameOrPastMaxGroups_refusedAndReservesNothing() {
    store.checkCanCreate("a", 100);
    store.create("a", new float[50], false, null);
    store.create("b", new float[50], false, null);

    assertThatThrownBy(() -> store.checkCanCreate("a", 1))
        .isInstanceOfSatisfying(
            GroupStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(GroupStoreException.Reason.ALREADY_EXISTS));
    assertThatThrownBy(() -> store.checkCanCreate("c", 1))
        .hasMessageContaining("maximum of 2 groups");
    assertThat(store.parameterBytes()).isEqualTo(400);
  }

  @Test
  void create_pastLimitsWithAdam_refusedAndChangesNothing() {
    store.create("a", new float[100], false, null);

    assertThatThrownBy(
            () -> store.create("b", new float[1], false, null, Optimizer.adam(0.9, 0.999, 1e-8)))
        .hasMessageContaining("cannot create group 'b' of 1 elements");
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.parameterBytes()).isEqualTo(400);
  }
}
