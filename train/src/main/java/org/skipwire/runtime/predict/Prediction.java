package org.skipwire.runtime.predict;

/**
 * One class and its probability.
 *
 * @param index the output's index
 * @param label the class name the checkpoint records for it
 * @param probability softmax probability, in [0, 1]
 */
public record Prediction(int index, String label, double probability) {}
