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
import org.skipwire.runtime.conf.GroupNormalization;
import org.skipwire.runtime.conf.LayerNormalization;

/**
 * Lays out the parameters of a normalisation with a per-channel scale and shift ({@link
 * LayerNormalization}, {@link GroupNormalization}) in its flat view: gamma {@code [C]}, then beta
 * {@code [C]}, {@code C} being the layer's {@code nIn}. Like DL4J's batch norm, neither counts as a
 * weight or a bias, so neither gets the weight or bias regularisation and both use the layer's
 * updater.
 */
public final class ChannelAffineParamInitializer implements ParamInitializer {

  /** The scale's key, as {@link LayerNormalization#GAMMA} and {@link GroupNormalization#GAMMA}. */
  static final String GAMMA = "gamma";

  /** The shift's key, as {@link LayerNormalization#BETA} and {@link GroupNormalization#BETA}. */
  static final String BETA = "beta";

  private static final ChannelAffineParamInitializer INSTANCE = new ChannelAffineParamInitializer();

  private ChannelAffineParamInitializer() {}

  public static ChannelAffineParamInitializer getInstance() {
    return INSTANCE;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    return 2 * ((FeedForwardLayer) layer).getNIn();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return List.of(GAMMA, BETA);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return Collections.emptyList();
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return Collections.emptyList();
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return false;
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return false;
  }

  @Override
  public Map<String, INDArray> init(
      NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    Map<String, INDArray> params = split(conf, paramsView);
    if (initializeParams) {
      params.get(GAMMA).assign(1);
      params.get(BETA).assign(0);
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
    long c = ((FeedForwardLayer) conf.getLayer()).getNIn();
    INDArray v = flat.reshape(flat.length());
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put(GAMMA, v.get(NDArrayIndex.interval(0, c)));
    out.put(BETA, v.get(NDArrayIndex.interval(c, 2 * c)));
    return out;
  }
}
