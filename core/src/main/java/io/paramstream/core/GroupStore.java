package io.paramstream.core;

import static io.paramstream.core.GroupLocks.lockAll;
import static io.paramstream.core.GroupLocks.lockForChange;
import static io.paramstream.core.GroupLocks.unlockAll;

import io.paramstream.core.table.LockedTables;
import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.TableCut;
import io.paramstream.core.table.TableMetadata;
import io.paramstream.core.table.TablePush;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named parameter groups in memory, updated by gradient pushes through {@link SgdKernel}.
 *
 * <p>Every operation that touches several groups locks them in creation order and validates
 * everything before changing anything, so a push is applied to all its groups or to none, and a
 * read sees either all or none of a push. Each group has its own lock: pushes to different groups
 * run in parallel.
 *
 * <p>The store also holds sparse tables ({@link #tables()}), named separately from groups, with the
 * same errors: NOT_FOUND and ALREADY_EXISTS as {@link GroupStoreException}, bad input as {@link
 * IllegalArgumentException}, a keyed table past its row limit as {@link
 * io.paramstream.core.table.RowLimitException}. Table bytes count against {@code
 * --max-parameter-bytes} beside group bytes. One push may carry group and table gradients and is
 * applied to all or none of them.
 */
public final class GroupStore {

  /** Longest group name, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 256;

  /** Largest group, in elements: the longest Java array, minus headroom some JVMs reserve. */
  public static final int MAX_GROUP_SIZE = Integer.MAX_VALUE - 8;

  private final ConcurrentHashMap<String, ParameterGroup> groups = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();
  private final List<VersionListener> listeners = new CopyOnWriteArrayList<>();
  private final Hyperparameters defaultHyperparameters;

  /** Groups and parameter bytes of groups and tables, counted against the store's limits. */
  private final StoreUsage usage;

  /**
   * The sparse tables beside the groups. Lock order: every group lock a caller needs, then table
   * locks (in table creation order), so mixed pushes and cuts of both never deadlock.
   */
  private final StoreTables tables;

  /** Consistent reads of several groups. */
  private final GroupReads reads = new GroupReads(this);

  /**
   * Highest applied push sequence per worker. Written only while holding the locks of the push's
   * groups and tables, so a snapshot that holds every group lock (and a checkpoint cut, which also
   * holds every table lock) sees it consistent with the values.
   */
  private final ConcurrentHashMap<String, Long> lastSequences = new ConcurrentHashMap<>();

  /**
   * Counts changes to groups and sequences; incremented after each change is visible, so a value
   * read before a checkpoint's cut never claims a change the cut missed.
   */
  private final AtomicLong changes = new AtomicLong();

  private final Object checkpointLock = new Object();

  /** Guarded by checkpointLock. The checkpoint cut not yet closed, or null. */
  private CheckpointCut activeCut;

  public GroupStore(Hyperparameters defaultHyperparameters) {
    this(defaultHyperparameters, StoreLimits.NONE);
  }

  public GroupStore(Hyperparameters defaultHyperparameters, StoreLimits limits) {
    this.defaultHyperparameters = Objects.requireNonNull(defaultHyperparameters);
    this.usage = new StoreUsage(Objects.requireNonNull(limits));
    this.tables = new StoreTables(usage, defaultHyperparameters, changes);
  }

  /** The sparse tables beside the groups: create, list, delete, read rows and more. */
  public StoreTables tables() {
    return tables;
  }

  /** Hyperparameters given to groups created without any. */
  public Hyperparameters defaultHyperparameters() {
    return defaultHyperparameters;
  }

  /**
   * Creates a group holding {@code initialValues}, which the store takes ownership of.
   *
   * @param hyperparameters the group's hyperparameters, or null for the store's defaults
   */
  public GroupMetadata create(
      String name, float[] initialValues, boolean weightDecay, Hyperparameters hyperparameters) {
    return create(name, initialValues, weightDecay, hyperparameters, Optimizer.sgd());
  }

  /**
   * Creates a group updated by {@code optimizer}, whose state (momentum, moments, step count) lives
   * with the group.
   *
   * @param hyperparameters the group's hyperparameters, or null for the store's defaults
   */
  public GroupMetadata create(
      String name,
      float[] initialValues,
      boolean weightDecay,
      Hyperparameters hyperparameters,
      Optimizer optimizer) {
    Objects.requireNonNull(optimizer, "optimizer");
    checkName(name);
    if (initialValues.length == 0) {
      throw GroupStoreException.invalid("group '" + name + "' must have at least one element");
    }
    int bad = SgdKernel.firstNonFinite(initialValues);
    if (bad >= 0) {
      throw GroupStoreException.invalid(
          "initial values of group '"
              + name
              + "' have non-finite value "
              + initialValues[bad]
              + " at index "
              + bad);
    }
    Hyperparameters chosen = hyperparameters == null ? defaultHyperparameters : hyperparameters;
    // The limits are counted before the optimizer state is allocated, so a create past them
    // allocates nothing more.
    if (groups.containsKey(name)) {
      throw alreadyExists(name);
    }
    usage.reserveGroup(name, initialValues.length);
    ParameterGroup group;
    try {
      group =
          new ParameterGroup(
              nextId.getAndIncrement(), name, initialValues, weightDecay, chosen, optimizer);
    } catch (OutOfMemoryError e) {
      usage.releaseGroup(initialValues.length);
      throw new GroupStoreException(
          GroupStoreException.Reason.RESOURCE_EXHAUSTED,
          "the server has no heap left for the optimizer state of group '"
              + name
              + "' ("
              + initialValues.length
              + " elements); nothing was created");
    }
    if (groups.putIfAbsent(name, group) != null) {
      usage.releaseGroup(initialValues.length);
      throw alreadyExists(name);
    }
    changes.incrementAndGet(); // a new group is a change the next checkpoint must hold
    return group.metadata();
  }

  /**
   * Fails as {@link #create} would for a group of {@code elements} named {@code name}: bad name or
   * size, name taken, or past {@code --max-groups} / {@code --max-parameter-bytes}. Lets a caller
   * refuse a create before it allocates the group's values; reserves nothing, so {@link #create}
   * checks again.
   */
  public void checkCanCreate(String name, long elements) {
    checkName(name);
    if (elements <= 0 || elements > MAX_GROUP_SIZE) {
      throw GroupStoreException.invalid(
          "size of group '"
              + name
              + "' must be between 1 and "
              + MAX_GROUP_SIZE
              + ", got "
              + Long.toUnsignedString(elements));
    }
    if (groups.containsKey(name)) {
      throw alreadyExists(name);
    }
    usage.checkGroup(name, elements);
  }

  /** Adds a group within the limits, or fails changing nothing. */
  private void insert(ParameterGroup group) {
    if (groups.containsKey(group.name)) {
      throw alreadyExists(group.name);
    }
    usage.reserveGroup(group.name, group.values.length);
    if (groups.putIfAbsent(group.name, group) != null) {
      usage.releaseGroup(group.values.length);
      throw alreadyExists(group.name);
    }
    changes.incrementAndGet();
  }

  private static GroupStoreException alreadyExists(String name) {
    return new GroupStoreException(
        GroupStoreException.Reason.ALREADY_EXISTS, "group '" + name + "' already exists");
  }

  /** Bytes of float32 values over all groups and tables. */
  public long parameterBytes() {
    return usage.parameterBytes();
  }

  /**
   * Metadata of the named groups, or of every group when {@code names} is empty, sorted by name.
   */
  public List<GroupMetadata> list(Collection<String> names) {
    List<GroupMetadata> result = new ArrayList<>();
    for (ParameterGroup group : resolve(names, true)) {
      group.lock.lock();
      try {
        if (!group.isDeleted()) {
          result.add(group.metadata());
        }
      } finally {
        group.lock.unlock();
      }
    }
    result.sort(Comparator.comparing(GroupMetadata::name));
    return result;
  }

  /** Deletes the named groups: all of them, or none if any is unknown. */
  public void delete(Collection<String> names) {
    if (names.isEmpty()) {
      throw GroupStoreException.invalid("name at least one group to delete");
    }
    List<ParameterGroup> locked = lockAll(resolve(names, false), false);
    try {
      for (ParameterGroup group : locked) {
        group.markDeleted();
        if (groups.remove(group.name, group)) {
          usage.releaseGroup(group.values.length);
        }
      }
      changes.incrementAndGet();
    } finally {
      unlockAll(locked);
    }
    for (ParameterGroup group : locked) {
      for (VersionListener listener : listeners) {
        listener.deleted(group.name);
      }
    }
  }

  /**
   * Applies one push: every gradient through the kernel, atomically.
   *
   * @return the new version of each group, in the order of {@code gradients}
   * @throws GroupStoreException NOT_FOUND for an unknown group, INVALID_ARGUMENT for a repeated
   *     group, a length mismatch or a non-finite value; nothing is changed in either case
   */
  public List<GroupVersion> push(List<GroupGradient> gradients) {
    return push(null, 0, gradients).versions();
  }

  /**
   * Applies one push at most once per ({@code workerId}, {@code sequence}): a sequence not greater
   * than the worker's last applied one is a duplicate and changes nothing. A worker must not apply
   * its pushes out of order (a retry resends the same sequence).
   *
   * @param workerId null for a push without de-duplication
   * @throws GroupStoreException as {@link #push(List)}, and INVALID_ARGUMENT for a sequence <= 0
   */
  public PushOutcome push(String workerId, long sequence, List<GroupGradient> gradients) {
    return push(workerId, sequence, gradients, List.of());
  }

  /**
   * Applies one push of group gradients and table row gradients together, all or nothing, at most
   * once per ({@code workerId}, {@code sequence}) as {@link #push(String, long, List)}. Everything
   * that can be checked without locks is checked first; then the groups are locked, then the
   * tables, the table parts are checked against the tables' state (duplicate sums, row limits,
   * {@code --max-parameter-bytes} for new keyed rows), and only then does anything change. A reader
   * of groups or tables never sees part of it.
   *
   * @param rows table parts, each table at most once; may be empty, as may {@code gradients}, but
   *     not both
   * @throws GroupStoreException as {@link #push(List)}; NOT_FOUND for an unknown table;
   *     RESOURCE_EXHAUSTED when new keyed rows would pass {@code --max-parameter-bytes}
   * @throws IllegalArgumentException for a bad table part (width, id, non-finite value or sum)
   * @throws io.paramstream.core.table.RowLimitException when a keyed table would pass its row limit
   */
  public PushOutcome push(
      String workerId, long sequence, List<GroupGradient> gradients, List<RowGradient> rows) {
    if (workerId != null && sequence <= 0) {
      throw GroupStoreException.invalid(
          "push of worker '" + workerId + "' must have a sequence > 0, got " + sequence);
    }
    List<ParameterGroup> targets =
        gradients.isEmpty() && !rows.isEmpty() ? List.of() : validatePush(gradients);
    TablePush tablePush = tables.store().stage(rows);

    long[] versions = new long[targets.size()];
    long[] tableVersions;
    boolean fresh;
    while (true) {
      Runnable awaitCheckpoint = null;
      List<ParameterGroup> locked = lockForChange(targets);
      // Table locks inside the group locks' critical section: a checkpoint cut that holds every
      // group lock and then every table lock (beginCheckpoint) sees this push entirely or not at
      // all.
      try (LockedTables lockedTables = tablePush.lock()) {
        fresh = workerId == null || !isDuplicate(workerId, sequence);
        long newBytes = 0;
        if (fresh) {
          newBytes = tablePush.prepare();
          // A checkpoint still writing rows this push changes gets copies of them first, unless
          // its copies are over budget: then the push waits for the writer, holding no lock.
          awaitCheckpoint = tablePush.preserveForCheckpoint();
        }
        if (awaitCheckpoint == null) {
          if (fresh) {
            usage.reserveTableBytes(tablePush.tableNames(), newBytes);
            // Under the locks, so a snapshot never sees the sequence without the values.
            if (workerId != null && !claimSequence(workerId, sequence)) {
              usage.releaseTableBytes(newBytes);
              fresh = false;
            }
          }
          for (int i = 0; i < targets.size(); i++) {
            ParameterGroup group = targets.get(i);
            versions[i] = fresh ? group.apply(gradients.get(i).values()) : group.version();
          }
          tableVersions = fresh ? tablePush.commit() : tablePush.currentVersions();
          if (fresh) {
            changes.incrementAndGet();
          }
          break;
        }
      } finally {
        unlockAll(locked);
      }
      awaitCheckpoint.run();
    }

    List<GroupVersion> result = new ArrayList<>(targets.size());
    for (int i = 0; i < targets.size(); i++) {
      result.add(new GroupVersion(targets.get(i).name, versions[i]));
    }
    List<GroupVersion> tableResult = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      tableResult.add(new GroupVersion(rows.get(i).table(), tableVersions[i]));
    }
    if (fresh) {
      notifyAdvanced(result);
    }
    return new PushOutcome(result, tableResult, !fresh);
  }

  /** Whether the worker's last applied sequence is at or past {@code sequence}. */
  private boolean isDuplicate(String workerId, long sequence) {
    Long last = lastSequences.get(workerId);
    return last != null && sequence <= last;
  }

  /** Records {@code sequence} as the worker's last if it is newer; false for a duplicate. */
  private boolean claimSequence(String workerId, long sequence) {
    boolean[] claimed = new boolean[1];
    lastSequences.compute(
        workerId,
        (worker, last) -> {
          if (last == null || sequence > last) {
            claimed[0] = true;
            return sequence;
          }
          return last;
        });
    return claimed[0];
  }

  /**
   * A consistent image of the groups: holds every group's lock at once while it copies, so it sees
   * each push entirely or not at all, together with the matching de-duplication table. Sparse
   * tables are not copied (their image has no tables); a checkpoint holds them through {@link
   * #beginCheckpoint}, which copies nothing up front.
   */
  public StoreState exportState() {
    List<ParameterGroup> targets = new ArrayList<>(groups.values());
    List<GroupState> states = new ArrayList<>(targets.size());
    Map<String, Long> sequences;
    List<ParameterGroup> locked = lockAll(targets, true);
    try {
      for (ParameterGroup group : locked) {
        if (group.isDeleted()) {
          continue;
        }
        GroupMetadata metadata = group.metadata();
        states.add(
            new GroupState(
                group.name,
                group.weightDecay,
                metadata.version(),
                metadata.hyperparameters(),
                group.values.clone(),
                group.optimizerSnapshot()));
      }
      sequences = new LinkedHashMap<>(lastSequences);
    } finally {
      unlockAll(locked);
    }
    states.sort(Comparator.comparing(GroupState::name));
    return new StoreState(states, sequences);
  }

  /**
   * Loads an image into this store, which must be empty: groups come back with their versions,
   * hyperparameters and decay flags, and workers with their last sequences. Validates everything
   * (names, finite values, limits) first; on failure the store stays empty.
   */
  public void importState(StoreState state) {
    if (!groups.isEmpty() || !lastSequences.isEmpty() || !tables.store().names().isEmpty()) {
      throw GroupStoreException.invalid("can only restore into an empty store");
    }
    Set<String> names = new HashSet<>();
    for (GroupState group : state.groups()) {
      checkName(group.name());
      if (group.values().length == 0 || SgdKernel.firstNonFinite(group.values()) >= 0) {
        throw GroupStoreException.invalid(
            "group '" + group.name() + "' is empty or holds non-finite values");
      }
      if (!names.add(group.name())) {
        throw GroupStoreException.invalid("group '" + group.name() + "' appears twice");
      }
    }
    try {
      for (GroupState group : state.groups()) {
        insert(
            new ParameterGroup(
                nextId.getAndIncrement(),
                group.name(),
                group.values(),
                group.weightDecay(),
                group.hyperparameters(),
                group.optimizer(),
                group.version()));
      }
      tables.importAll(state.tables());
    } catch (RuntimeException e) {
      for (ParameterGroup group : new ArrayList<>(groups.values())) {
        if (groups.remove(group.name, group)) {
          usage.releaseGroup(group.values.length);
        }
      }
      throw e;
    }
    lastSequences.putAll(state.lastSequences());
    changes.incrementAndGet();
  }

  /**
   * A number that changes whenever a group or a worker's sequence does, so a periodic checkpoint
   * can tell that nothing changed since the last one.
   */
  public long changeCount() {
    return changes.get();
  }

  /**
   * Marks a consistent cut for a checkpoint, holding every group lock only while it reads versions
   * and the de-duplication table; the arrays are written later, group by group (see {@link
   * CheckpointCut}). One cut at a time: close it before beginning the next.
   *
   * @throws IllegalStateException if a cut is still open
   */
  public CheckpointCut beginCheckpoint() {
    synchronized (checkpointLock) {
      if (activeCut != null) {
        throw new IllegalStateException("a checkpoint is already being written");
      }
      long changeCount = changes.get(); // read first: a change racing the cut is not claimed
      List<ParameterGroup> targets = new ArrayList<>(groups.values());
      targets.sort(Comparator.comparing(g -> g.name));
      List<ParameterGroup> locked = lockAll(targets, true);
      // Every table lock too, after the group locks as a mixed push takes them: the cut's
      // de-duplication table then matches the tables as well, and tables can join the cut here.
      try (LockedTables lockedTables = tables.store().lockAll()) {
        List<ParameterGroup> live = targets.stream().filter(g -> !g.isDeleted()).toList();
        CopyBudget budget = new CopyBudget();
        activeCut =
            new CheckpointCut(
                live,
                lastSequences,
                changeCount,
                TableCut.of(lockedTables, budget),
                budget,
                this::checkpointClosed);
        return activeCut;
      } finally {
        unlockAll(locked);
      }
    }
  }

  private void checkpointClosed() {
    synchronized (checkpointLock) {
      activeCut = null;
    }
  }

  /**
   * Applies one push computed from {@code baseVersion} of its groups, under bounded staleness. The
   * staleness is the largest {@code version - baseVersion} over the pushed groups, read under their
   * locks so it is exactly the staleness the push is applied at.
   *
   * @throws ConsistencyException FAILED_PRECONDITION naming the staleness when the push is staler
   *     than the policy allows and the policy rejects it
   * @throws GroupStoreException as {@link #push}, and INVALID_ARGUMENT for a base version ahead of
   *     a group
   */
  public StalePush push(List<GroupGradient> gradients, long baseVersion, StalenessPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    List<ParameterGroup> targets = validatePush(gradients);

    long[] versions = new long[targets.size()];
    long staleness = 0;
    double scale;
    List<ParameterGroup> locked = lockForChange(targets);
    try {
      for (ParameterGroup group : targets) {
        if (baseVersion > group.version()) {
          throw GroupStoreException.invalid(
              "base version "
                  + baseVersion
                  + " is ahead of group '"
                  + group.name
                  + "' at version "
                  + group.version());
        }
        staleness = Math.max(staleness, group.version() - baseVersion);
      }
      if (staleness > policy.maxStaleness() && policy.action() == StalenessPolicy.Action.REJECT) {
        throw new ConsistencyException(
            ConsistencyException.Reason.FAILED_PRECONDITION,
            "push is "
                + staleness
                + " versions stale (computed from version "
                + baseVersion
                + "); the limit is "
                + policy.maxStaleness()
                + ": pull fresh weights and recompute");
      }
      scale = policy.lrScale(staleness);
      for (int i = 0; i < targets.size(); i++) {
        versions[i] = targets.get(i).apply(gradients.get(i).values(), scale);
      }
      changes.incrementAndGet();
    } finally {
      unlockAll(locked);
    }

    List<GroupVersion> result = new ArrayList<>(targets.size());
    for (int i = 0; i < targets.size(); i++) {
      result.add(new GroupVersion(targets.get(i).name, versions[i]));
    }
    notifyAdvanced(result);
    return new StalePush(result, staleness, scale);
  }

  /**
   * Reads groups as one consistent snapshot: {@code visitor} sees every selected group at one
   * instant between pushes. An empty selector list reads every group.
   */
  public void read(List<GroupSelector> selectors, SnapshotVisitor visitor) {
    reads.read(selectors, visitor);
  }

  /**
   * Opens a consistent snapshot to be read chunk by chunk: the versions are fixed now, at one
   * instant between pushes, but no values are copied. Pushes that change a group before the reader
   * is done with it copy the old values for the reader, charged to {@code readerBudget}'s readers'
   * half, or make the read {@link StreamingRead#lost() lost} when that copy does not fit.
   *
   * @throws GroupStoreException NOT_FOUND for an unknown group, INVALID_ARGUMENT for a repeat
   */
  public StreamingRead openRead(List<GroupSelector> selectors, TransientMemoryBudget readerBudget) {
    return reads.openRead(selectors, readerBudget);
  }

  /** Copies of the named groups' values, read as one consistent snapshot, in the given order. */
  public Map<String, float[]> snapshot(List<String> names) {
    return reads.snapshot(names);
  }

  /** Sets the hyperparameters of the named groups, or of every group when none is named. */
  public List<GroupMetadata> setHyperparameters(
      Collection<String> names, Hyperparameters hyperparameters) {
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    return setHyperparameters(names, HyperparameterChange.of(hyperparameters));
  }

  /**
   * Changes what {@code change} names on the named groups (every group when none is named), keeping
   * the rest of each group's hyperparameters. All or nothing: a result that would be invalid for
   * one group changes no group.
   */
  public List<GroupMetadata> setHyperparameters(
      Collection<String> names, HyperparameterChange change) {
    return setHyperparameters(names, names.isEmpty(), List.of(), false, change).groups();
  }

  /**
   * What SetHyperparameters does: changes the named groups and the named tables, or every group and
   * every table when both are empty, all or nothing (an unknown name or a result invalid for any of
   * them changes none). Tables alone: {@link StoreTables#setHyperparameters}.
   */
  public HyperparametersSet setHyperparameters(
      Collection<String> groupNames, Collection<String> tableNames, HyperparameterChange change) {
    boolean everything = groupNames.isEmpty() && tableNames.isEmpty();
    return setHyperparameters(groupNames, everything, tableNames, everything, change);
  }

  private HyperparametersSet setHyperparameters(
      Collection<String> groupNames,
      boolean allGroups,
      Collection<String> tableNames,
      boolean allTables,
      HyperparameterChange change) {
    Objects.requireNonNull(change, "change");
    List<ParameterGroup> locked = lockAll(resolve(groupNames, allGroups), allGroups);
    List<GroupMetadata> groupResult = new ArrayList<>();
    List<TableMetadata> tableResult;
    try (LockedTables lockedTables = tables.store().lock(tableNames, allTables)) {
      List<ParameterGroup> liveGroups = locked.stream().filter(g -> !g.isDeleted()).toList();
      // Compute every result first, so an invalid one changes nothing.
      List<Hyperparameters> groupUpdates = new ArrayList<>();
      for (ParameterGroup group : liveGroups) {
        groupUpdates.add(change.applyTo(group.metadata().hyperparameters()));
      }
      StoreTables.StagedHyperparameters tableUpdates =
          StoreTables.stageHyperparameters(lockedTables, change);
      for (int i = 0; i < liveGroups.size(); i++) {
        liveGroups.get(i).setHyperparameters(groupUpdates.get(i));
        groupResult.add(liveGroups.get(i).metadata());
      }
      tableResult = tableUpdates.apply();
      changes.incrementAndGet();
    } finally {
      unlockAll(locked);
    }
    groupResult.sort(Comparator.comparing(GroupMetadata::name));
    return new HyperparametersSet(groupResult, tableResult);
  }

  /**
   * Number of elements of a group; lets a caller stage a chunked push before applying it.
   *
   * @throws GroupStoreException NOT_FOUND for an unknown group
   */
  public int sizeOf(String name) {
    return lookup(name).values.length;
  }

  /** Every group, in no order. */
  List<ParameterGroup> allGroups() {
    return new ArrayList<>(groups.values());
  }

  /** Number of groups. */
  public int size() {
    return groups.size();
  }

  public void addListener(VersionListener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  public void removeListener(VersionListener listener) {
    listeners.remove(listener);
  }

  private void notifyAdvanced(List<GroupVersion> versions) {
    for (VersionListener listener : listeners) {
      for (GroupVersion version : versions) {
        listener.versionAdvanced(version.group(), version.version());
      }
    }
  }

  /**
   * Checks a whole push before anything changes: at least one gradient, every group known, every
   * length right, every value finite, no group twice. Returns the groups in gradient order.
   */
  private List<ParameterGroup> validatePush(List<GroupGradient> gradients) {
    if (gradients.isEmpty()) {
      throw GroupStoreException.invalid("a push must carry at least one gradient");
    }
    List<ParameterGroup> targets = new ArrayList<>(gradients.size());
    for (GroupGradient gradient : gradients) {
      ParameterGroup group = lookup(gradient.group());
      checkGradient(group, gradient.values());
      targets.add(group);
    }
    checkDistinct(targets);
    return targets;
  }

  /** The named group; NOT_FOUND if there is none. */
  ParameterGroup lookup(String name) {
    ParameterGroup group = groups.get(name);
    if (group == null) {
      throw GroupStoreException.notFound(name);
    }
    return group;
  }

  /** The named groups (all groups if {@code names} is empty and {@code emptyMeansAll}). */
  private List<ParameterGroup> resolve(Collection<String> names, boolean emptyMeansAll) {
    if (names.isEmpty() && emptyMeansAll) {
      return new ArrayList<>(groups.values());
    }
    List<ParameterGroup> resolved = new ArrayList<>(names.size());
    for (String name : names) {
      resolved.add(lookup(name));
    }
    checkDistinct(resolved);
    return resolved;
  }

  private static void checkGradient(ParameterGroup group, float[] values) {
    try {
      SgdKernel.checkGradient("group '" + group.name + "'", group.values.length, values);
    } catch (IllegalArgumentException e) {
      throw GroupStoreException.invalid(e.getMessage());
    }
  }

  /** Fails with INVALID_ARGUMENT if a group is among {@code targets} twice. */
  static void checkDistinct(List<ParameterGroup> targets) {
    if (targets.size() < 2) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (ParameterGroup group : targets) {
      if (!seen.add(group.name)) {
        throw GroupStoreException.invalid("group '" + group.name + "' is named more than once");
      }
    }
  }

  private static void checkName(String name) {
    checkName("group", name);
  }

  /** Fails with INVALID_ARGUMENT for an empty name or one past {@link #MAX_NAME_BYTES}. */
  static void checkName(String kind, String name) {
    if (name == null || name.isEmpty()) {
      throw GroupStoreException.invalid(kind + " name must not be empty");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      throw GroupStoreException.invalid(
          kind
              + " name '"
              + name.codePoints()
                  .limit(32)
                  .collect(
                      StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
              + "...' is "
              + bytes
              + " UTF-8 bytes, the limit is "
              + MAX_NAME_BYTES);
    }
  }
}
