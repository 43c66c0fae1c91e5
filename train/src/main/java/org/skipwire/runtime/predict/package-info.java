/**
 * Inference from a checkpoint: {@link org.skipwire.runtime.predict.Predictor} reads a trained
 * classifier with the class names, input shape and normalisation its checkpoint records, and {@link
 * org.skipwire.runtime.predict.ClassificationReport} measures it on a labelled folder (accuracy,
 * per-class precision, recall and F1, the confusion matrix and its chart).
 */
package org.skipwire.runtime.predict;
