package org.skipwire.runtime.impl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameter layout of our convolution layers: a weight {@code W} of the layer's weight shape in
 * c order, then a bias {@code b [nOut]} if the layer has one. The table is in the same order, which
 * DL4J's updater relies on when it splits the flat view into blocks. The weight is filled by the
 * layer's weight init with the fans the subclass gives; the bias with its bias init (0 when unset).
 */
abstract class ConvolutionParamInitializer implements ParamInitializer {
  private final String weightKey;
  private final String biasKey;

  ConvolutionParamInitializer(String weightKey, String biasKey) {
    this.weightKey = weightKey;
    this.biasKey = biasKey;
  }

  abstract boolean hasBias(Layer layer);

  /** The weight's shape, c order. */
  abstract long[] weightShape(Layer layer);

  /** Inputs one output sees, for the weight init. */
  abstract double fanIn(Layer layer);

  /** Outputs one input feeds, for the weight init. */
  abstract double fanOut(Layer layer);

  private long weightCount(Layer layer) {
    long n = 1;
    for (long d : weightShape(layer)) {
      n *= d;
    }
    return n;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    return weightCount(layer) + (hasBias(layer) ? ((FeedForwardLayer) layer).getNOut() : 0);
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return hasBias(layer) ? List.of(weightKey, biasKey) : List.of(weightKey);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return List.of(weightKey);
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return hasBias(layer) ? List.of(biasKey) : List.of();
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return weightKey.equals(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return biasKey.equals(key);
  }

  @Override
  public Map<String, INDArray> init(
      NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    FeedForwardLayer l = (FeedForwardLayer) conf.getLayer();
    Map<String, INDArray> params = split(conf, paramsView);
    if (initializeParams) {
      long[] shape = weightShape(l);
      INDArray w = params.get(weightKey);
      INDArray filled = l.getWeightInitFn().init(fanIn(l), fanOut(l), shape, 'c', w);
      // Most initialisers fill the view in place; the rest return a new array to copy in.
      if (filled != w) {
        w.assign(filled.reshape('c', shape));
      }
      if (hasBias(l)) {
        params.get(biasKey).assign(Double.isNaN(l.getBiasInit()) ? 0 : l.getBiasInit());
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

  private Map<String, INDArray> split(NeuralNetConfiguration conf, INDArray flat) {
    Layer l = conf.getLayer();
    long weights = weightCount(l);
    INDArray v = flat.reshape(flat.length());
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put(weightKey, v.get(NDArrayIndex.interval(0, weights)).reshape('c', weightShape(l)));
    if (hasBias(l)) {
      long nOut = ((FeedForwardLayer) l).getNOut();
      out.put(biasKey, v.get(NDArrayIndex.interval(weights, weights + nOut)));
    }
    return out;
  }
}
