package io.paramstream.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * How the command line reports what an operator got wrong: one line {@code paramstream-server:
 * <what>} on stderr and exit code 2, for a bad flag as for a port in use or an unreadable file.
 * Anything else is the server's own bug and keeps its stack trace (exit code 1).
 */
final class StartupErrors
    implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {

  static final int EXIT_CODE = 2;

  /** Installs both handlers on {@code commandLine} and its subcommands. */
  static CommandLine install(CommandLine commandLine) {
    StartupErrors handler = new StartupErrors();
    return commandLine.setParameterExceptionHandler(handler).setExecutionExceptionHandler(handler);
  }

  @Override
  public int handleParseException(CommandLine.ParameterException e, String[] args) {
    print(e.getCommandLine(), e.getMessage() + " (see --help)");
    return EXIT_CODE;
  }

  @Override
  public int handleExecutionException(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    if (e instanceof CommandLine.ParameterException parameter) {
      return handleParseException(parameter, new String[0]);
    }
    String message = describe(e);
    if (message == null) {
      e.printStackTrace(commandLine.getErr());
      return CommandLine.ExitCode.SOFTWARE;
    }
    print(commandLine, message);
    return EXIT_CODE;
  }

  /** A one-line description of an operator's mistake, or null for a bug. */
  static String describe(Throwable e) {
    if (e instanceof StartupException || e instanceof IllegalArgumentException) {
      return e.getMessage();
    }
    if (e instanceof NoSuchFileException missing) {
      return "no such file: " + missing.getFile();
    }
    if (e instanceof AccessDeniedException denied) {
      return "permission denied: " + denied.getFile();
    }
    if (e instanceof IOException) {
      return e.getMessage();
    }
    return null;
  }

  /**
   * Why {@code what} (e.g. "port", "metrics port") could not listen: {@code port 50051 on 127.0.0.1
   * is already in use}, or the innermost cause's message.
   */
  static StartupException cannotListen(String what, String host, int port, Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String reason = String.valueOf(root.getMessage());
    // NIO throws a BindException, epoll a NativeIoException: both say "Address already in use".
    if (reason.contains("Address already in use")) {
      return new StartupException(what + " " + port + " on " + host + " is already in use");
    }
    return new StartupException("cannot listen on " + host + ":" + port + ": " + reason);
  }

  private static void print(CommandLine commandLine, String message) {
    PrintWriter err = commandLine.getErr();
    err.println(commandLine.getCommandName() + ": " + message.replace('\n', ' '));
    err.flush();
  }
}
