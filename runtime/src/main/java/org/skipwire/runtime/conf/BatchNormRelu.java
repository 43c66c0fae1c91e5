package org.skipwire.runtime.conf;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.skipwire.runtime.impl.BatchNormReluLayer;

/**
 * DL4J's batch normalization followed by a ReLU, as one layer: {@code y = max(0, gamma * (x - mean)
 * / sqrt(var + eps) + beta)}.
 *
 * <p>Why: a DL4J {@code ActivationLayer} after a batch norm copies its input into its own workspace
 * in inference (DL4J closes each vertex's workspace once its readers ran), which was a tenth of a
 * channels-last ResNet-20 inference step, and the ReLU is one more vertex each way. The oneDNN fast
 * path applies the ReLU inside the batch-norm primitive. Declarations never produce it: the fast
 * path rewrites a batch norm that alone feeds a plain ReLU into it ({@link
 * org.skipwire.runtime.ActivationFusion}), so generated wiring stays DL4J's layers. The batch
 * norm's parameters, their names and its JSON fields are DL4J's; {@code activationFn} says ReLU.
 *
 * <p>The no-argument constructor exists for DL4J's JSON deserialisation.
 */
public class BatchNormRelu extends BatchNormalization {
  private String merged;

  /** DL4J's defaults and the ReLU; for JSON. */
  public BatchNormRelu() {
    setActivationFn(new ActivationReLU());
  }

  /**
   * The batch norm {@code bn} (every setting, the layer name included) with the ReLU vertex {@code
   * merged} (its name; null for none) after it.
   */
  public static BatchNormRelu of(BatchNormalization bn, String merged) {
    BatchNormRelu fused = new BatchNormRelu();
    for (Class<?> c = BatchNormalization.class; c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        try {
          f.setAccessible(true);
          f.set(fused, f.get(bn));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("cannot copy batch-norm setting " + f.getName(), e);
        }
      }
    }
    fused.setActivationFn(new ActivationReLU());
    fused.merged = merged;
    return fused;
  }

  /**
   * The name of the ReLU vertex merged into this layer ({@link
   * org.skipwire.runtime.ActivationFusion}), whose value this layer's output is; null if none.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String getMerged() {
    return merged;
  }

  public void setMerged(String merged) {
    this.merged = merged;
  }

  @Override
  public BatchNormRelu clone() {
    return (BatchNormRelu) super.clone();
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType networkDataType) {
    LayerValidation.assertNOutSet("BatchNormRelu", getLayerName(), layerIndex, getNOut());
    return LayerWiring.wire(
        new BatchNormReluLayer(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  // Lombok's equals on DL4J's class would call a plain batch norm with the same settings equal.
  @Override
  protected boolean canEqual(Object other) {
    return other instanceof BatchNormRelu;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchNormRelu other
        && super.equals(o)
        && java.util.Objects.equals(other.merged, merged);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + java.util.Objects.hashCode(merged) + 1;
  }
}
