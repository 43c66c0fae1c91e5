package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.TemporalConvolution.BIAS_KEY;
import static org.skipwire.runtime.conf.TemporalConvolution.WEIGHT_KEY;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.skipwire.runtime.conf.TemporalConvolution;

/**
 * Lays out {@link TemporalConvolution}'s parameters in its flat view: {@code W [nOut, nIn, k]} in c
 * order, then {@code b [nOut]} if the layer has a bias (see {@link ConvolutionParamInitializer}).
 */
public final class TemporalConvolutionParamInitializer extends ConvolutionParamInitializer {

  private static final TemporalConvolutionParamInitializer INSTANCE =
      new TemporalConvolutionParamInitializer();

  private TemporalConvolutionParamInitializer() {
    super(WEIGHT_KEY, BIAS_KEY);
  }

  public static TemporalConvolutionParamInitializer getInstance() {
    return INSTANCE;
  }

  @Override
  boolean hasBias(Layer layer) {
    return ((TemporalConvolution) layer).hasBias();
  }

  /** {@code [nOut, nIn, k]}. */
  @Override
  long[] weightShape(Layer layer) {
    TemporalConvolution l = (TemporalConvolution) layer;
    return new long[] {l.getNOut(), l.getNIn(), l.getKernelSize()};
  }

  // DL4J's convolution layers' counts: the taps one output sees, and those one input feeds.
  @Override
  double fanIn(Layer layer) {
    TemporalConvolution l = (TemporalConvolution) layer;
    return (double) l.getNIn() * l.getKernelSize();
  }

  @Override
  double fanOut(Layer layer) {
    TemporalConvolution l = (TemporalConvolution) layer;
    return (double) l.getNOut() * l.getKernelSize() / l.getStride();
  }
}
