package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.GroupedConvolutionLayer.BIAS_KEY;
import static org.skipwire.runtime.conf.GroupedConvolutionLayer.WEIGHT_KEY;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.skipwire.runtime.conf.GroupedConvolutionLayer;

/**
 * Lays out {@link GroupedConvolutionLayer}'s parameters in its flat view: {@code W [nOut, nIn/G,
 * kH, kW]} in c order, then {@code b [nOut]} if the layer has a bias (see {@link
 * ConvolutionParamInitializer}).
 */
public final class GroupedConvolutionParamInitializer extends ConvolutionParamInitializer {

  private static final GroupedConvolutionParamInitializer INSTANCE =
      new GroupedConvolutionParamInitializer();

  private GroupedConvolutionParamInitializer() {
    super(WEIGHT_KEY, BIAS_KEY);
  }

  public static GroupedConvolutionParamInitializer getInstance() {
    return INSTANCE;
  }

  @Override
  boolean hasBias(Layer layer) {
    return ((GroupedConvolutionLayer) layer).hasBias();
  }

  /** {@code [nOut, nIn/G, kH, kW]}. */
  @Override
  long[] weightShape(Layer layer) {
    GroupedConvolutionLayer l = (GroupedConvolutionLayer) layer;
    int[] k = l.getKernelSize();
    return new long[] {l.getNOut(), l.getNIn() / l.getGroups(), k[0], k[1]};
  }

  // Per group, as DL4J's convolution layers count: the taps one output sees, and those one input
  // feeds.
  @Override
  double fanIn(Layer layer) {
    GroupedConvolutionLayer l = (GroupedConvolutionLayer) layer;
    int[] k = l.getKernelSize();
    return (double) (l.getNIn() / l.getGroups()) * k[0] * k[1];
  }

  @Override
  double fanOut(Layer layer) {
    GroupedConvolutionLayer l = (GroupedConvolutionLayer) layer;
    int[] k = l.getKernelSize();
    int[] s = l.getStride();
    return (double) (l.getNOut() / l.getGroups()) * k[0] * k[1] / ((double) s[0] * s[1]);
  }
}
