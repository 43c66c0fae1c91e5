package org.skipwire.runtime.onednn;

import java.lang.reflect.Field;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

/**
 * Puts skipwire's oneDNN helpers into an initialised graph's layers where DL4J put its own: {@link
 * OneDnnConvHelper} for DL4J's {@code MKLDNNConvHelper} and {@link OneDnnBatchNormHelper} for its
 * {@code MKLDNNBatchNormHelper}. So it follows DL4J's switch: with the layer helpers off ({@code
 * -Dskipwire.fastpath=false}, or {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true}) nothing
 * changes.
 *
 * <p>{@code -Dskipwire.onednn=false} keeps DL4J's helpers; {@code -Dskipwire.onednn=conv} or {@code
 * =batchnorm} swaps only those.
 *
 * <p>{@link org.skipwire.runtime.SkipwireModel#create}, {@link
 * org.skipwire.runtime.BatchNormFolding} and checkpoint loading call it through {@link
 * org.skipwire.runtime.FastPaths#install} ({@link OneDnnFastPath}); a graph built by hand with
 * {@code new ComputationGraph(conf)} gets it from one call after {@code init()}.
 */
public final class OneDnnLayers {
  /** Which of skipwire's oneDNN helpers to use: unset or true (all), false, conv, batchnorm. */
  public static final String PROPERTY = "skipwire.onednn";

  private static final Field CONV_HELPER = helperField(ConvolutionLayer.class);
  private static final Field BATCH_NORM_HELPER = helperField(BatchNormalization.class);

  private OneDnnLayers() {}

  /** The helpers {@link #install} will swap in this JVM: a subset of {conv, batchnorm}. */
  public static Set<String> enabled() {
    String setting = System.getProperty(PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
    if (setting.equals("false") || !OneDnn.available()) {
      return Set.of();
    }
    boolean all = setting.equals("true");
    boolean conv = CONV_HELPER != null && (all || setting.contains("conv"));
    boolean batchNorm = BATCH_NORM_HELPER != null && (all || setting.contains("batchnorm"));
    return conv && batchNorm
        ? Set.of("conv", "batchnorm")
        : conv ? Set.of("conv") : batchNorm ? Set.of("batchnorm") : Set.of();
  }

  /**
   * Swaps the helpers of every layer that has DL4J's oneDNN helper; returns how many. Call it after
   * {@code init()} and before training: DL4J creates a layer's helper once, in its constructor.
   */
  public static int install(ComputationGraph graph) {
    Set<String> which = enabled();
    if (which.isEmpty()) {
      return 0;
    }
    int swapped = 0;
    for (Layer layer : graph.getLayers()) {
      // Exactly the 2-D convolution: DL4J's 1-D and transposed convolutions extend it but run
      // their own ops and use the helper only for the activation.
      if (which.contains("conv")
          && layer.getClass() == ConvolutionLayer.class
          && layer.getHelper() instanceof MKLDNNConvHelper) {
        set(CONV_HELPER, layer, new OneDnnConvHelper());
        swapped++;
      } else if (which.contains("batchnorm")
          && layer instanceof BatchNormalization bn
          && bn.getHelper() instanceof MKLDNNBatchNormHelper
          && !bn.layerConf().isLockGammaBeta()) {
        set(BATCH_NORM_HELPER, bn, new OneDnnBatchNormHelper());
        swapped++;
      }
    }
    return swapped;
  }

  private static void set(Field helper, Layer layer, Object value) {
    try {
      helper.set(layer, value);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(
          "cannot set the helper of " + layer.getConfig().getLayerName(), e);
    }
  }

  /**
   * DL4J M2.1 offers no way to choose a layer's helper (HelperUtils.createHelper takes the oneDNN
   * class name from the layer's source) and keeps it in a protected or package-private field
   * "helper"; null if a DL4J version renamed it, which turns the swap off rather than failing.
   */
  private static Field helperField(Class<?> layer) {
    try {
      Field f = layer.getDeclaredField("helper");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
