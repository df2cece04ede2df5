package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.proto.v1.CheckpointRequest;
import io.paramstream.proto.v1.DeleteGroupsRequest;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Token roles and mutual TLS against real server processes; certificates made per test run. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecurityProcessTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String WORKER = "worker-token-0123456789abcdef";
  private static final String READER = "reader-token-0123456789abcdef";

  @TempDir Path work;

  private static ParameterServerGrpc.ParameterServerBlockingStub as(
      ManagedChannel channel, String token) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    return Stubs.blocking(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  /** The status of a one-push Push stream with {@code token}: OK when the push is acked. */
  private static Status.Code pushAs(ManagedChannel channel, String token) throws Exception {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    StreamObserver<PushRequest> requests =
        ParameterServerGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .push(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PushAck ack) {
                    replies.add(ack);
                  }

                  @Override
                  public void onError(Throwable t) {
                    replies.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        PushRequest.newBuilder()
            .setPushId(1)
            .addGradients(GradientSlice.newBuilder().setGroup("g").setValues(Stubs.encode(1, 1)))
            .build());
    Object reply = replies.poll(20, TimeUnit.SECONDS);
    requests.onCompleted();
    if (reply instanceof PushAck ack) {
      assertThat(ack.getCode()).isZero();
      return Status.Code.OK;
    }
    return Status.fromThrowable((Throwable) reply).getCode();
  }

  @Test
  void tokens_enforceRolesPerMethod_andAreNeverLogged() throws Exception {
    Path tokens = work.resolve("tokens");
    Files.writeString(
        tokens,
        "# role token\nadmin " + ADMIN + "\nworker " + WORKER + "\nreader " + READER + "\n");
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"),
            "--auth-tokens",
            tokens.toString(),
            "--checkpoint-dir",
            work.resolve("ckpt").toString())) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      ListGroupsRequest list = ListGroupsRequest.getDefaultInstance();

      assertThat(codeOf(() -> as(channel, null).listGroups(list)))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(codeOf(() -> as(channel, "not-a-token-0123456789").listGroups(list)))
          .isEqualTo(Status.Code.UNAUTHENTICATED);

      // Readers read only.
      assertThat(as(channel, READER).listGroups(list).getGroupsCount()).isZero();
      Exception denied =
          assertThrows(
              Exception.class,
              () ->
                  Stubs.create(
                      ParameterServerGrpc.newStub(channel)
                          .withInterceptors(
                              MetadataUtils.newAttachHeadersInterceptor(bearer(READER))),
                      "g",
                      2,
                      0.1));
      assertThat(Status.fromThrowable(denied).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

      // Admins create; workers push but may not delete or checkpoint; readers may not push.
      Stubs.create(
          ParameterServerGrpc.newStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(ADMIN))),
          "g",
          2,
          0.1);
      assertThat(pushAs(channel, WORKER)).isEqualTo(Status.Code.OK);
      assertThat(pushAs(channel, READER)).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(
              codeOf(
                  () ->
                      as(channel, WORKER)
                          .deleteGroups(DeleteGroupsRequest.newBuilder().addNames("g").build())))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(
              codeOf(() -> as(channel, WORKER).checkpoint(CheckpointRequest.getDefaultInstance())))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(as(channel, ADMIN).checkpoint(CheckpointRequest.getDefaultInstance()).getGroups())
          .isEqualTo(1);
      assertThat(as(channel, READER).listGroups(list).getGroups(0).getVersion()).isEqualTo(1);

      // Probes need no token.
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      channel.shutdownNow();
      server.terminate();
      assertThat(server.log())
          .contains("refused")
          .doesNotContain(ADMIN)
          .doesNotContain(WORKER)
          .doesNotContain(READER)
          .doesNotContain("not-a-token");
    }
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return headers;
  }

  @Test
  void mutualTls_acceptsSignedClientCertificate_refusesOthers() throws Exception {
    Path certs = work.resolve("certs");
    Files.createDirectories(certs);
    makeCertificates(certs);
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"),
            "--tls-cert",
            certs.resolve("server.pem").toString(),
            "--tls-key",
            certs.resolve("server.key").toString(),
            "--tls-client-ca",
            certs.resolve("ca.pem").toString())) {
      ListGroupsRequest list = ListGroupsRequest.getDefaultInstance();

      ChannelCredentials withClientCert =
          TlsChannelCredentials.newBuilder()
              .trustManager(certs.resolve("ca.pem").toFile())
              .keyManager(
                  certs.resolve("client.pem").toFile(), certs.resolve("client.key").toFile())
              .build();
      ManagedChannel trusted = Grpc.newChannelBuilder(server.target(), withClientCert).build();
      assertThat(Stubs.blocking(trusted).listGroups(list).getGroupsCount()).isZero();
      trusted.shutdownNow();

      ChannelCredentials noClientCert =
          TlsChannelCredentials.newBuilder().trustManager(certs.resolve("ca.pem").toFile()).build();
      ManagedChannel anonymous = Grpc.newChannelBuilder(server.target(), noClientCert).build();
      assertThat(codeOf(() -> Stubs.blocking(anonymous).listGroups(list)))
          .isEqualTo(Status.Code.UNAVAILABLE);
      anonymous.shutdownNow();

      ManagedChannel plaintext = Stubs.plaintext(server.target());
      assertThat(codeOf(() -> Stubs.blocking(plaintext).listGroups(list)))
          .isEqualTo(Status.Code.UNAVAILABLE);
      plaintext.shutdownNow();
    }
  }

  @Test
  void clientLibrary_overMutualTlsWithToken_getsItsRolesRights() throws Exception {
    Path certs = work.resolve("certs");
    Files.createDirectories(certs);
    makeCertificates(certs);
    Path tokens = work.resolve("tokens");
    Files.writeString(tokens, "admin " + ADMIN + "\nworker " + WORKER + "\n");
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"),
            "--auth-tokens",
            tokens.toString(),
            "--tls-cert",
            certs.resolve("server.pem").toString(),
            "--tls-key",
            certs.resolve("server.key").toString(),
            "--tls-client-ca",
            certs.resolve("ca.pem").toString())) {
      try (ParamstreamClient admin = secureClient(server, certs, ADMIN);
          ParamstreamClient worker = secureClient(server, certs, WORKER)) {
        admin.createGroup(new GroupSpec("g", new float[2], false, new Hyperparameters(1, 0)));
        worker.push(java.util.Map.of("g", new float[] {1, 2}));
        assertThat(worker.pull("g").get("g").values()).containsExactly(-1f, -2f);
        ParamstreamException denied =
            assertThrows(ParamstreamException.class, () -> worker.deleteGroups("g"));
        assertThat(denied.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
      }
    }
  }

  private static ParamstreamClient secureClient(
      LoggedServerProcess server, Path certs, String token) {
    return ParamstreamClient.builder()
        .target(server.target())
        .tls(certs.resolve("ca.pem"))
        .clientCertificate(certs.resolve("client.pem"), certs.resolve("client.key"))
        .token(token)
        .build();
  }

  /** A throwaway CA, and a server and a client certificate it signs (EC P-256, one day). */
  private static void makeCertificates(Path dir) throws IOException, InterruptedException {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca");
    for (String name : List.of("server", "client")) {
      openssl(
          dir,
          "req",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          name + ".key",
          "-out",
          name + ".csr",
          "-subj",
          "/CN=" + name);
      openssl(
          dir,
          "x509",
          "-req",
          "-in",
          name + ".csr",
          "-CA",
          "ca.pem",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          name + ".pem",
          "-days",
          "1",
          "-extfile",
          name + ".ext");
    }
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
    }
  }
}
