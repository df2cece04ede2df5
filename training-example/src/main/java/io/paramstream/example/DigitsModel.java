package io.paramstream.example;

import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import java.util.Map;
import java.util.Random;

/** The model's two parameter groups on the server: weights (decayed) and biases (not). */
public final class DigitsModel {

  public static final String WEIGHTS = "digits.weights";
  public static final String BIASES = "digits.biases";

  /** SGD with Nesterov momentum; weight decay reaches the weights only (decay flag). */
  public static final Hyperparameters HYPERPARAMETERS = new Hyperparameters(0.1, 1e-4);

  public static final OptimizerSpec OPTIMIZER = OptimizerSpec.sgd(0.9, 0, true);

  private DigitsModel() {}

  /** Creates both groups: small seeded random weights, zero biases. */
  public static void create(ParamstreamClient client, long seed, OptimizerSpec optimizer) {
    create(client, seed, optimizer, HYPERPARAMETERS);
  }

  public static void create(
      ParamstreamClient client,
      long seed,
      OptimizerSpec optimizer,
      Hyperparameters hyperparameters) {
    Random random = new Random(seed);
    float[] w = new float[Softmax.WEIGHTS];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextGaussian() * 0.01);
    }
    client.createGroup(new GroupSpec(WEIGHTS, w, true, hyperparameters, optimizer));
    client.createGroup(
        new GroupSpec(BIASES, new float[Softmax.BIASES], false, hyperparameters, optimizer));
  }

  /** The current weights and biases, read as one snapshot. */
  public static float[][] pull(ParamstreamClient client) {
    Map<String, GroupValues> values = client.pull(WEIGHTS, BIASES);
    return new float[][] {values.get(WEIGHTS).values(), values.get(BIASES).values()};
  }

  /** Held-out accuracy of the server's current model. */
  public static double accuracy(ParamstreamClient client, Digits test) {
    float[][] model = pull(client);
    return Softmax.accuracy(model[0], model[1], test);
  }
}
