package io.paramstream.core;

import java.util.function.BooleanSupplier;

/**
 * The bytes a checkpoint's cut may still spend on copies that pushes hand it, shared by its groups
 * and its sparse tables so the whole checkpoint keeps one bound. Its monitor also guards the cuts'
 * bookkeeping (what is pending, copied, written), so a push waiting for room or for a write wakes
 * on either, whichever part of the cut frees it.
 */
public final class CopyBudget {

  /** Guarded by this. */
  private long available;

  /** Adds room (a copy written and dropped, or the cut's initial allowance) and wakes waiters. */
  public void give(long bytes) {
    synchronized (this) {
      available += bytes;
      notifyAll();
    }
  }

  /** Takes {@code bytes} if they fit; caller holds this monitor. */
  public boolean take(long bytes) {
    assert Thread.holdsLock(this);
    if (bytes > available) {
      return false;
    }
    available -= bytes;
    return true;
  }

  /** Whether {@code bytes} would fit now; caller holds this monitor. */
  public boolean fits(long bytes) {
    assert Thread.holdsLock(this);
    return bytes <= available;
  }

  /** Wakes every waiter after a change to the cuts' bookkeeping; caller holds this monitor. */
  public void changed() {
    assert Thread.holdsLock(this);
    notifyAll();
  }

  /**
   * Waits, holding no other lock, until {@code ready} (evaluated under this monitor) holds. A push
   * must not be left half done, so an interrupt does not end the wait; the flag is kept.
   */
  public void awaitUntil(BooleanSupplier ready) {
    boolean interrupted = false;
    synchronized (this) {
      while (!ready.getAsBoolean()) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
