package io.paramstream.server;

/**
 * A start-up failure the operator can fix (port in use, unreadable file, bad value): {@link
 * ServerMain} prints its message as one line and exits with 2, with no stack trace.
 */
final class StartupException extends RuntimeException {

  StartupException(String message) {
    super(message);
  }
}
