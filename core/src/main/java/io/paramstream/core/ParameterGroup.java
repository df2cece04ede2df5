package io.paramstream.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** One named group: its values and the metadata that changes with them, under one lock. */
final class ParameterGroup {

  /**
   * Creation order; locks are always taken in ascending id so multi-group pushes cannot deadlock.
   */
  final long id;

  final String name;
  final boolean weightDecay;
  final ReentrantLock lock = new ReentrantLock();

  /** Guarded by {@link #lock}. */
  final float[] values;

  /** Guarded by {@link #lock}. */
  private long version;

  /** Guarded by {@link #lock}. */
  private Hyperparameters hyperparameters;

  /** Guarded by {@link #lock}. */
  private final OptimizerState optimizer;

  /** Guarded by {@link #lock}; once true, the group is gone and must not be read or changed. */
  private boolean deleted;

  /**
   * Guarded by {@link #lock}. The checkpoint whose cut still needs this group's arrays as they are,
   * or null: before changing them, a writer must hand that checkpoint a copy (or wait).
   */
  private CheckpointCut pendingCut;

  /** Guarded by {@link #lock}. Readers streaming the current values, not yet done with them. */
  private final List<GroupCursor> readers = new ArrayList<>();

  ParameterGroup(
      long id,
      String name,
      float[] values,
      boolean weightDecay,
      Hyperparameters hyperparameters,
      Optimizer optimizer) {
    this(
        id,
        name,
        values,
        weightDecay,
        hyperparameters,
        new OptimizerState(optimizer, values.length),
        0);
  }

  /** A group brought back from a checkpoint at {@code version} with its optimizer state. */
  ParameterGroup(
      long id,
      String name,
      float[] values,
      boolean weightDecay,
      Hyperparameters hyperparameters,
      OptimizerSnapshot optimizer,
      long version) {
    this(
        id,
        name,
        values,
        weightDecay,
        hyperparameters,
        new OptimizerState(optimizer, values.length),
        version);
  }

  private ParameterGroup(
      long id,
      String name,
      float[] values,
      boolean weightDecay,
      Hyperparameters hyperparameters,
      OptimizerState optimizer,
      long version) {
    this.version = version;
    this.id = id;
    this.name = name;
    this.values = values;
    this.weightDecay = weightDecay;
    this.hyperparameters = hyperparameters;
    this.optimizer = optimizer;
  }

  /** Caller holds {@link #lock}. */
  OptimizerSnapshot optimizerSnapshot() {
    return optimizer.snapshot();
  }

  /** Applies a validated gradient and returns the new version. Caller holds {@link #lock}. */
  long apply(float[] gradient) {
    preserveForReaders();
    optimizer.apply(values, gradient, hyperparameters, weightDecay);
    return ++version;
  }

  /**
   * Applies a validated gradient with the learning rate multiplied by {@code lrScale} (a stale push
   * under bounded staleness). A scale of exactly 1 is {@link #apply}. Caller holds {@link #lock}.
   */
  long apply(float[] gradient, double lrScale) {
    if (lrScale == 1.0) {
      return apply(gradient);
    }
    Hyperparameters scaled =
        new Hyperparameters(
            hyperparameters.learningRate() * lrScale, hyperparameters.weightDecay());
    preserveForReaders();
    optimizer.apply(values, gradient, scaled, weightDecay);
    return ++version;
  }

  /** Caller holds {@link #lock}. */
  GroupMetadata metadata() {
    return new GroupMetadata(
        name, values.length, weightDecay, version, hyperparameters, optimizer.optimizer());
  }

  /** What a checkpoint records besides the arrays. Caller holds {@link #lock}. */
  GroupHeader header() {
    return new GroupHeader(
        name,
        weightDecay,
        version,
        hyperparameters,
        values.length,
        optimizer.optimizer(),
        optimizer.steps());
  }

  /** Hands the live arrays to {@code sink} without copying. Caller holds {@link #lock}. */
  void writeArrays(GroupHeader header, CheckpointSource.GroupSink sink) throws IOException {
    sink.group(header, values, optimizer.firstMoment(), optimizer.secondMoment());
  }

  /** Copies of the values and optimizer buffers. Caller holds {@link #lock}. */
  float[][] copyArrays() {
    float[] first = optimizer.firstMoment();
    float[] second = optimizer.secondMoment();
    return new float[][] {
      values.clone(), first == null ? null : first.clone(), second == null ? null : second.clone()
    };
  }

  /** Caller holds {@link #lock}. */
  CheckpointCut pendingCut() {
    return pendingCut;
  }

  /** Caller holds {@link #lock}. */
  void setPendingCut(CheckpointCut cut) {
    pendingCut = cut;
  }

  /** Caller holds {@link #lock}. */
  long version() {
    return version;
  }

  /** Caller holds {@link #lock}. */
  void setHyperparameters(Hyperparameters hyperparameters) {
    this.hyperparameters = hyperparameters;
  }

  /** Caller holds {@link #lock}. */
  boolean isDeleted() {
    return deleted;
  }

  /** Caller holds {@link #lock}. */
  void markDeleted() {
    deleted = true;
  }

  /** Starts streaming the current values to {@code cursor}. Caller holds {@link #lock}. */
  void addReader(GroupCursor cursor) {
    readers.add(cursor);
    cursor.registered = true;
  }

  /** Caller holds {@link #lock}. */
  void removeReader(GroupCursor cursor) {
    readers.remove(cursor);
  }

  /**
   * Called before the values change: readers still streaming them get one shared copy of what they
   * have yet to read, charged to the readers' budget. If it does not fit they lose their read (and
   * restart or fail) rather than make this push wait. Caller holds {@link #lock}.
   */
  private void preserveForReaders() {
    if (readers.isEmpty()) {
      return;
    }
    int from = values.length;
    for (GroupCursor reader : readers) {
      from = Math.min(from, reader.position);
    }
    PreservedValues kept =
        PreservedValues.tryCopy(values, from, readers.size(), readers.get(0).budget);
    for (GroupCursor reader : readers) {
      reader.registered = false;
      if (kept != null) {
        reader.preserved = kept;
      } else {
        reader.lost = true;
      }
    }
    readers.clear();
  }
}
