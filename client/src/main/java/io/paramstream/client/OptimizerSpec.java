package io.paramstream.client;

/**
 * The update rule the server runs for a group, fixed at creation; definitions follow PyTorch's
 * torch.optim (see optimizers.md). The server validates the ranges and names a bad value.
 *
 * @param kind SGD (with momentum when {@code momentum > 0}), ADAM (coupled L2) or ADAMW
 * @param momentum SGD momentum in [0, 1)
 * @param dampening SGD dampening in [0, 1]
 * @param nesterov SGD Nesterov momentum
 * @param beta1 Adam first-moment decay
 * @param beta2 Adam second-moment decay
 * @param epsilon Adam denominator term
 */
public record OptimizerSpec(
    Kind kind,
    double momentum,
    double dampening,
    boolean nesterov,
    double beta1,
    double beta2,
    double epsilon) {

  /** The update rule. */
  public enum Kind {
    SGD,
    ADAM,
    ADAMW
  }

  public OptimizerSpec {
    if (kind == null) {
      throw new IllegalArgumentException("kind must be set");
    }
  }

  public static OptimizerSpec sgd(double momentum, double dampening, boolean nesterov) {
    return new OptimizerSpec(Kind.SGD, momentum, dampening, nesterov, 0.9, 0.999, 1e-8);
  }

  public static OptimizerSpec adam(double beta1, double beta2, double epsilon) {
    return new OptimizerSpec(Kind.ADAM, 0, 0, false, beta1, beta2, epsilon);
  }

  public static OptimizerSpec adamW(double beta1, double beta2, double epsilon) {
    return new OptimizerSpec(Kind.ADAMW, 0, 0, false, beta1, beta2, epsilon);
  }

  io.paramstream.proto.v1.Optimizer toProto() {
    io.paramstream.proto.v1.Optimizer.Builder proto =
        io.paramstream.proto.v1.Optimizer.newBuilder()
            .setKind(io.paramstream.proto.v1.Optimizer.Kind.valueOf(kind.name()));
    if (kind == Kind.SGD) {
      proto.setMomentum(momentum).setDampening(dampening).setNesterov(nesterov);
    } else {
      proto.setBeta1(beta1).setBeta2(beta2).setEpsilon(epsilon);
    }
    return proto.build();
  }

  /** The spec a server reported; unset Adam fields take the contract's defaults. */
  static OptimizerSpec fromProto(io.paramstream.proto.v1.Optimizer o) {
    return switch (o.getKind()) {
      case ADAM, ADAMW -> {
        double beta1 = o.hasBeta1() ? o.getBeta1() : 0.9;
        double beta2 = o.hasBeta2() ? o.getBeta2() : 0.999;
        double epsilon = o.hasEpsilon() ? o.getEpsilon() : 1e-8;
        yield o.getKind() == io.paramstream.proto.v1.Optimizer.Kind.ADAM
            ? adam(beta1, beta2, epsilon)
            : adamW(beta1, beta2, epsilon);
      }
      default -> sgd(o.getMomentum(), o.getDampening(), o.getNesterov());
    };
  }
}
