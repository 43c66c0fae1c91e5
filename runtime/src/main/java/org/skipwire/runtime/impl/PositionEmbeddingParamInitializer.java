package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.PositionEmbedding.EMBEDDING;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.conf.PositionEmbedding;

/**
 * Lays out {@link PositionEmbedding}'s one parameter, {@code P [C, T]} in c order, in its flat view
 * and draws its initial values from {@code N(0, initStd^2)} with ND4J's generator. Like {@link
 * ChannelAffineParamInitializer}, it counts as neither weight nor bias, so it gets no weight or
 * bias regularisation and uses the layer's updater.
 */
public final class PositionEmbeddingParamInitializer implements ParamInitializer {

  private static final PositionEmbeddingParamInitializer INSTANCE =
      new PositionEmbeddingParamInitializer();

  private PositionEmbeddingParamInitializer() {}

  public static PositionEmbeddingParamInitializer getInstance() {
    return INSTANCE;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    PositionEmbedding p = (PositionEmbedding) layer;
    return p.getNIn() * p.getLength();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return List.of(EMBEDDING);
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
      INDArray p = params.get(EMBEDDING);
      double std = ((PositionEmbedding) conf.getLayer()).getInitStd();
      p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(std));
    }
    conf.addVariable(EMBEDDING);
    return Collections.synchronizedMap(params);
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(
      NeuralNetConfiguration conf, INDArray gradientView) {
    return split(conf, gradientView);
  }

  private static Map<String, INDArray> split(NeuralNetConfiguration conf, INDArray flat) {
    PositionEmbedding layer = (PositionEmbedding) conf.getLayer();
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put(EMBEDDING, flat.reshape('c', layer.getNIn(), layer.getLength()));
    return out;
  }
}
