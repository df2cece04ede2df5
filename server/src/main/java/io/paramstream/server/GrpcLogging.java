package io.paramstream.server;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sends what gRPC logs through java.util.logging to SLF4J, so the server's log has one format and
 * the levels in {@code simplelogger.properties} apply to gRPC too. JUL's own console handler would
 * print each record as two lines in another format.
 */
final class GrpcLogging {

  private GrpcLogging() {}

  /** Replaces JUL's console handler with the bridge; idempotent. */
  static void routeToSlf4j() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
