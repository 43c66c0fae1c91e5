package org.skipwire.runtime.conf;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every DL4J {@code Layer.instantiate} does with the layer object it has just constructed:
 * listeners, index, the parameter view and its named parameters, the configuration. skipwire's
 * layers construct their own implementation and hand it here.
 */
final class LayerWiring {
  private LayerWiring() {}

  static <L extends Layer> L wire(
      L layer,
      ParamInitializer initializer,
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams) {
    layer.setListeners(trainingListeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    layer.setParamTable(initializer.init(conf, layerParamsView, initializeParams));
    layer.setConf(conf);
    return layer;
  }
}
