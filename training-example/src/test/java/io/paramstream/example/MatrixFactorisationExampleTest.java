package io.paramstream.example;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The matrix-factorisation example as its README command runs it: a real server on loopback and
 * real worker processes pushing row gradients.
 */
@Timeout(300)
class MatrixFactorisationExampleTest {

  private static MatrixFactorisationExample run(int expectedExit, String... args) {
    MatrixFactorisationExample example = new MatrixFactorisationExample();
    assertThat(MatrixFactorisationExample.commandLine(example).execute(args))
        .isEqualTo(expectedExit);
    return example;
  }

  @Test
  void threeWorkerProcesses_reachTheInProcessHeldOutRmseWithinFivePercent() {
    MatrixFactorisationExample example = run(0, "--workers", "3");

    MatrixFactorisationExample.Outcome outcome = example.outcome;
    assertThat(outcome.failedWorkers()).isZero();
    assertThat(outcome.distributed())
        .isLessThanOrEqualTo(outcome.inProcess() * (1 + MatrixFactorisationExample.TOLERANCE));
    // Both learned the ratings (unit variance, noise 0.1): from about 1 to near the noise.
    assertThat(outcome.untrained()).isGreaterThan(0.9);
    assertThat(outcome.inProcess()).isLessThan(0.2);
  }

  @Test
  void oneWorkerProcess_matchesTheInProcessModelExactly() {
    // One worker pushes the same gradients, in the same order, as the in-process loop applies,
    // and the server's update is the same float32 arithmetic.
    MatrixFactorisationExample example = run(0, "--workers", "1", "--epochs", "2");

    assertThat(example.outcome.distributed()).isEqualTo(example.outcome.inProcess());
    assertThat(example.outcome.distributed()).isLessThan(example.outcome.untrained());
  }

  @Test
  void badOption_exitsTwo() {
    run(2, "--workers", "0");
  }
}
