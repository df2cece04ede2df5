package io.paramstream.example;

/**
 * What one worker saw in one epoch.
 *
 * @param epoch 1-based
 * @param worker the worker's id, or {@link TrainingReport#MEAN} for the mean over the workers
 * @param loss mean training cross-entropy over the batches the worker computed in this epoch
 * @param accuracy held-out accuracy of the model the worker pulled at the end of the epoch
 */
public record EpochResult(int epoch, String worker, double loss, double accuracy) {}
