package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.TemporalConvolution.BIAS_KEY;
import static org.skipwire.runtime.conf.TemporalConvolution.WEIGHT_KEY;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.skipwire.runtime.conf.TemporalConvolution;

/**
 * Lays out {@link TemporalConvolution}'s parameters in its flat view: {@code W [nOut, nIn, k]} in c
 * order, then {@code b [nOut]} if the layer has a bias. The table is in the same order, which
 * DL4J's updater relies on when it splits the flat view into blocks.
 */
public final class TemporalConvolutionParamInitializer implements ParamInitializer {

  private static final TemporalConvolutionParamInitializer INSTANCE =
      new TemporalConvolutionParamInitializer();

  private TemporalConvolutionParamInitializer() {}

  public static TemporalConvolutionParamInitializer getInstance() {
    return INSTANCE;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    TemporalConvolution l = (TemporalConvolution) layer;
    return weightCount(l) + (l.hasBias() ? l.getNOut() : 0);
  }

  private static long weightCount(TemporalConvolution l) {
    return l.getNOut() * l.getNIn() * l.getKernelSize();
  }

  /** {@code [nOut, nIn, k]}. */
  public static long[] weightShape(TemporalConvolution l) {
    return new long[] {l.getNOut(), l.getNIn(), l.getKernelSize()};
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return ((TemporalConvolution) layer).hasBias()
        ? List.of(WEIGHT_KEY, BIAS_KEY)
        : List.of(WEIGHT_KEY);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return List.of(WEIGHT_KEY);
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return ((TemporalConvolution) layer).hasBias() ? List.of(BIAS_KEY) : List.of();
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return WEIGHT_KEY.equals(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return BIAS_KEY.equals(key);
  }

  @Override
  public Map<String, INDArray> init(
      NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    TemporalConvolution l = (TemporalConvolution) conf.getLayer();
    Map<String, INDArray> params = split(conf, paramsView);
    if (initializeParams) {
      // DL4J's convolution layers' counts: the taps one output sees, and those one input feeds.
      double fanIn = (double) l.getNIn() * l.getKernelSize();
      double fanOut = (double) l.getNOut() * l.getKernelSize() / l.getStride();
      INDArray w = params.get(WEIGHT_KEY);
      INDArray filled = l.getWeightInitFn().init(fanIn, fanOut, weightShape(l), 'c', w);
      // Most initialisers fill the view in place; the rest return a new array to copy in.
      if (filled != w) {
        w.assign(filled.reshape('c', weightShape(l)));
      }
      if (l.hasBias()) {
        params.get(BIAS_KEY).assign(Double.isNaN(l.getBiasInit()) ? 0 : l.getBiasInit());
      }
    }
    for (String key : params.keySet()) {
      conf.addVariable(key);
    }
    return Collections.synchronizedMap(params);
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(
      NeuralNetConfiguration conf, INDArray gradientView) {
    return split(conf, gradientView);
  }

  private static Map<String, INDArray> split(NeuralNetConfiguration conf, INDArray flat) {
    TemporalConvolution l = (TemporalConvolution) conf.getLayer();
    long weights = weightCount(l);
    INDArray v = flat.reshape(flat.length());
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put(WEIGHT_KEY, v.get(NDArrayIndex.interval(0, weights)).reshape('c', weightShape(l)));
    if (l.hasBias()) {
      out.put(BIAS_KEY, v.get(NDArrayIndex.interval(weights, weights + l.getNOut())));
    }
    return out;
  }
}
