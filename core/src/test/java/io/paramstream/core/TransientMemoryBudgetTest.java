package io.paramstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TransientMemoryBudgetTest {

  @Test
  void tryReserve_pastLimit_refusesAndKeepsAccount() {
    TransientMemoryBudget budget = new TransientMemoryBudget(100);
    assertTrue(budget.tryReserve(60, TransientMemoryBudget.Use.WRITE));
    assertFalse(budget.tryReserve(41, TransientMemoryBudget.Use.WRITE));
    assertTrue(budget.tryReserve(40, TransientMemoryBudget.Use.WRITE));
    assertEquals(100, budget.inUseBytes());
  }

  @Test
  void tryReserve_readers_getAtMostHalfSoWritersKeepTheRest() {
    TransientMemoryBudget budget = new TransientMemoryBudget(100);
    assertTrue(budget.tryReserve(50, TransientMemoryBudget.Use.READ));
    assertFalse(budget.tryReserve(1, TransientMemoryBudget.Use.READ));
    assertTrue(budget.tryReserve(50, TransientMemoryBudget.Use.WRITE));
    assertFalse(budget.canEverFit(51, TransientMemoryBudget.Use.READ));
    assertTrue(budget.canEverFit(100, TransientMemoryBudget.Use.WRITE));
  }

  @Test
  void release_runsWaitersOnce() {
    TransientMemoryBudget budget = new TransientMemoryBudget(100);
    budget.tryReserve(100, TransientMemoryBudget.Use.WRITE);
    AtomicInteger woken = new AtomicInteger();
    budget.whenReleased(woken::incrementAndGet);
    assertEquals(0, woken.get());
    budget.release(10, TransientMemoryBudget.Use.WRITE);
    budget.release(90, TransientMemoryBudget.Use.WRITE);
    assertEquals(1, woken.get());
    budget.whenReleased(woken::incrementAndGet); // nothing in use: runs at once
    assertEquals(2, woken.get());
  }

  @Test
  void release_moreThanReserved_isABug() {
    TransientMemoryBudget budget = new TransientMemoryBudget(100);
    budget.tryReserve(10, TransientMemoryBudget.Use.WRITE);
    assertThrows(
        IllegalStateException.class, () -> budget.release(10, TransientMemoryBudget.Use.READ));
    assertTrue(budget.exhausted("push 7", 500).getMessage().contains("--max-transient-bytes 100"));
  }
}
