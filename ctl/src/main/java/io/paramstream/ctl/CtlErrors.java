package io.paramstream.ctl;

import io.grpc.StatusRuntimeException;
import io.paramstream.cli.CommandLines;
import io.paramstream.client.ParamstreamException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns what a command threw into one line on stderr and an exit code: 1 for a refusal from the
 * server (its status code and message), 2 for a local mistake (a file that cannot be read, an
 * option the server's answer shows to be wrong). Anything else is a bug and keeps its stack trace.
 */
final class CtlErrors implements CommandLine.IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) throws Exception {
    if (e instanceof CommandLine.ParameterException parameter) {
      return commandLine.getParameterExceptionHandler().handleParseException(parameter, null);
    }
    if (e instanceof ParamstreamException refused) {
      return print(commandLine, refused.getMessage(), CtlMain.REFUSED);
    }
    if (e instanceof StatusRuntimeException status) {
      String description = status.getStatus().getDescription();
      return print(
          commandLine,
          status.getStatus().getCode() + (description != null ? ": " + description : ""),
          CtlMain.REFUSED);
    }
    if (e instanceof UncheckedIOException io) {
      return print(commandLine, describe(io.getCause()), CommandLines.USAGE_ERROR);
    }
    if (e instanceof IOException io) {
      return print(commandLine, describe(io), CommandLines.USAGE_ERROR);
    }
    e.printStackTrace(commandLine.getErr());
    return CommandLine.ExitCode.SOFTWARE;
  }

  private static String describe(IOException e) {
    return e instanceof NoSuchFileException missing
        ? "no such file: " + missing.getFile()
        : String.valueOf(e.getMessage());
  }

  private static int print(CommandLine commandLine, String message, int exitCode) {
    PrintWriter err = commandLine.getErr();
    err.println("paramstream-ctl: " + message.replace('\n', ' '));
    err.flush();
    return exitCode;
  }
}
