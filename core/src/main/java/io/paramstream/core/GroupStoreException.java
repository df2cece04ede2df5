package io.paramstream.core;

/** A store operation refused; {@link #reason()} says why, so adapters can map it to a status. */
public final class GroupStoreException extends RuntimeException {

  /** Why an operation was refused. */
  public enum Reason {
    /** A named group does not exist. */
    NOT_FOUND,
    /** A group with that name already exists. */
    ALREADY_EXISTS,
    /** An argument is malformed: empty name, length mismatch, non-finite value. */
    INVALID_ARGUMENT,
    /** A configured limit would be exceeded. */
    RESOURCE_EXHAUSTED
  }

  private final Reason reason;

  public GroupStoreException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  static GroupStoreException notFound(String name) {
    return new GroupStoreException(Reason.NOT_FOUND, "no group named '" + name + "'");
  }

  static GroupStoreException invalid(String message) {
    return new GroupStoreException(Reason.INVALID_ARGUMENT, message);
  }
}
