package io.paramstream.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Calls started, calls ended by status code and call duration, per gRPC method, under the names
 * most gRPC dashboards already query ({@code grpc_server_started_total}, {@code
 * grpc_server_handled_total}, {@code grpc_server_handling_seconds}). A streaming call's duration is
 * the stream's lifetime, not one message's.
 */
final class RpcMetrics implements ServerInterceptor {

  private final Counter started;
  private final Counter handled;
  private final Histogram seconds;

  /** Full method name to its data points, resolved on the method's first call. */
  private final ConcurrentHashMap<String, MethodPoints> methods = new ConcurrentHashMap<>();

  RpcMetrics(PrometheusRegistry registry) {
    started =
        Counter.builder()
            .name("grpc_server_started")
            .help("gRPC calls started, by method.")
            .labelNames("grpc_service", "grpc_method", "grpc_type")
            .register(registry);
    handled =
        Counter.builder()
            .name("grpc_server_handled")
            .help("gRPC calls ended, by method and status code (OK included).")
            .labelNames("grpc_service", "grpc_method", "grpc_type", "grpc_code")
            .register(registry);
    seconds =
        Histogram.builder()
            .name("grpc_server_handling_seconds")
            .help("Time from a call's start to its end, by method.")
            .unit(Unit.SECONDS)
            .labelNames("grpc_service", "grpc_method", "grpc_type")
            .classicOnly()
            .classicExponentialUpperBounds(1e-4, 4, 12)
            .register(registry);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    MethodPoints points = methods.computeIfAbsent(method.getFullMethodName(), n -> points(method));
    points.started.inc();
    long start = System.nanoTime();
    AtomicBoolean ended = new AtomicBoolean();
    ServerCall<Q, R> counted =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (ended.compareAndSet(false, true)) {
              points.ended(status.getCode(), System.nanoTime() - start);
            }
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        // The client went away or the deadline passed: the server never closed the call.
        if (ended.compareAndSet(false, true)) {
          points.ended(Status.Code.CANCELLED, System.nanoTime() - start);
        }
        super.onCancel();
      }
    };
  }

  private MethodPoints points(MethodDescriptor<?, ?> method) {
    String service = String.valueOf(method.getServiceName());
    String name = String.valueOf(method.getBareMethodName());
    String type = method.getType().name();
    return new MethodPoints(
        started.labelValues(service, name, type),
        seconds.labelValues(service, name, type),
        service,
        name,
        type);
  }

  /** One method's data points; its per-code counters are resolved on the code's first use. */
  private final class MethodPoints {
    final CounterDataPoint started;
    final DistributionDataPoint seconds;
    final AtomicReferenceArray<CounterDataPoint> byCode =
        new AtomicReferenceArray<>(Status.Code.values().length);
    final String service;
    final String method;
    final String type;

    MethodPoints(
        CounterDataPoint started,
        DistributionDataPoint seconds,
        String service,
        String method,
        String type) {
      this.started = started;
      this.seconds = seconds;
      this.service = service;
      this.method = method;
      this.type = type;
    }

    void ended(Status.Code code, long nanos) {
      CounterDataPoint point = byCode.get(code.ordinal());
      if (point == null) {
        point = handled.labelValues(service, method, type, code.name());
        byCode.set(code.ordinal(), point);
      }
      point.inc();
      seconds.observe(nanos / 1e9);
    }
  }
}
