package io.paramstream.ctl;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.paramstream.client.ClientConfig;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.internal.BearerToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to one server shares, and the channel they describe. The
 * command owns the channel and closes it; the client it hands out only borrows it.
 */
final class Connection implements AutoCloseable {

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--target",
      defaultValue = "127.0.0.1:50051",
      description = "Server address host:port (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--tls-ca", description = "PEM CA certificates to trust; turns on TLS.")
  Path tlsCa;

  @Option(
      names = "--tls-cert",
      description = "PEM client certificate chain, for a server that requires one (mTLS).")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--token",
      description = "Bearer token (visible in the process list: prefer --token-file).")
  String token;

  @Option(names = "--token-file", description = "File holding the bearer token.")
  Path tokenFile;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      description = "Deadline of each call, e.g. 10s or 2m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  private ManagedChannel channel;

  /** The channel to {@code --target}, made on first use. */
  ManagedChannel channel() throws IOException {
    if (channel == null) {
      channel = Grpc.newChannelBuilder(target, credentials()).build();
    }
    return channel;
  }

  /** A client on {@link #channel()} whose calls have the deadline {@code --timeout}. */
  ParamstreamClient client() throws IOException {
    return ParamstreamClient.create(
        channel(), new ClientConfig(timeout, ClientConfig.DEFAULT_MAX_IN_FLIGHT_PUSHES));
  }

  /** What a command does with the client. */
  interface ClientCall<T> {
    T apply(ParamstreamClient client) throws Exception;
  }

  /** Runs {@code call} on a client of its own, then closes the channel whatever happened. */
  <T> T withClient(ClientCall<T> call) throws Exception {
    try {
      return call.apply(client());
    } finally {
      close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ChannelCredentials credentials() throws IOException {
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    if ((tlsCert == null) != (tlsKey == null)) {
      throw usage("--tls-cert and --tls-key go together");
    }
    if (tlsCa != null) {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
      tls.trustManager(tlsCa.toFile());
      if (tlsCert != null) {
        tls.keyManager(tlsCert.toFile(), tlsKey.toFile());
      }
      credentials = tls.build();
    } else if (tlsCert != null) {
      throw usage("--tls-cert needs --tls-ca");
    }
    String bearer = token();
    return bearer == null
        ? credentials
        : CompositeChannelCredentials.create(credentials, new BearerToken(bearer));
  }

  private String token() throws IOException {
    if (token != null && tokenFile != null) {
      throw usage("give --token or --token-file, not both");
    }
    if (tokenFile != null) {
      String read = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (read.isEmpty()) {
        throw usage("--token-file " + tokenFile + " is empty");
      }
      return read;
    }
    return token;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
