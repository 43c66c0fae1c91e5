package org.skipwire.samples.bench;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.imports.converters.DifferentialFunctionClassHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * libnd4j ops that SameDiff 1.0.0-M2.1 cannot differentiate as shipped (or differentiates into a
 * slow op), made differentiable, and {@link #createGradFunction} to build a gradient function with
 * them.
 *
 * <p>Why a registry patch: {@code SameDiff.createGradFunction} first copies every op through
 * FlatBuffers and differentiates the copies. A copy's class is looked up in ND4J's registry by op
 * hash, not taken from the original, so a subclass alone is lost in the copy. {@link
 * #createGradFunction} points the registry entries of {@code batchnorm}, {@code conv2d} and {@code
 * relu} at the classes here for the duration of the copy and restores them afterwards.
 */
public final class SameDiffOps {
  private SameDiffOps() {}

  /**
   * {@code sd.createGradFunction()}, with {@code batchnorm}, {@code conv2d} and {@code relu} copied
   * as {@link TrainableBatchNorm}, {@link TrainableConv2D} and {@link TrainableRelu}.
   */
  public static void createGradFunction(SameDiff sd) {
    createGradFunction(sd, true);
  }

  /**
   * {@code sd.createGradFunction()}, with the registry patch or (patch false) as shipped; either
   * way without M2.1's line per differentiated op on System.out.
   */
  public static void createGradFunction(SameDiff sd, boolean patch) {
    if (!patch) {
      quietly(sd::createGradFunction);
      return;
    }
    Map<String, Class<?>> ours =
        Map.of(
            "batchnorm", TrainableBatchNorm.class,
            "conv2d", TrainableConv2D.class,
            "relu", TrainableRelu.class);
    Map<Long, Class<?>> registry = opClasses();
    Map<Long, Class<?>> shipped = new LinkedHashMap<>();
    ours.forEach(
        (name, c) -> {
          long hash = Nd4j.getExecutioner().getCustomOperations().get(name).getHash();
          shipped.put(hash, registry.put(hash, c));
        });
    try {
      quietly(sd::createGradFunction);
    } finally {
      shipped.forEach(
          (hash, c) -> {
            if (c == null) {
              registry.remove(hash);
            } else {
              registry.put(hash, c);
            }
          });
    }
  }

  /** M2.1's createGradFunction prints a line per differentiated op to System.out. */
  private static void quietly(Runnable r) {
    PrintStream out = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      r.run();
    } finally {
      System.setOut(out);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<Long, Class<?>> opClasses() {
    try {
      Field f = DifferentialFunctionClassHolder.class.getDeclaredField("customOpHashToClass");
      f.setAccessible(true);
      return (Map<Long, Class<?>>) f.get(DifferentialFunctionClassHolder.getInstance());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("ND4J's op class registry changed; this is for M2.1", e);
    }
  }

  /**
   * libnd4j's {@code batchnorm}, differentiable. M2.1's BatchNorm is not: its copy loses the axis
   * ("axis must be specified"), and past that {@code BatchNorm.doDiff} builds a {@code
   * BatchNormDerivative} that rejects its own six inputs and declares one output where {@code
   * batchnorm_bp} has five (deeplearning4j issues 8608, 8609, 9029). This op differentiates from
   * its integer and floating-point arguments, which the copy keeps.
   */
  public static final class TrainableBatchNorm extends BatchNorm {
    /** For the copy. */
    public TrainableBatchNorm() {}

    /** Normalises {@code input} along {@code axis} with the given statistics. */
    public TrainableBatchNorm(
        SameDiff sd,
        SDVariable input,
        SDVariable mean,
        SDVariable variance,
        SDVariable gamma,
        SDVariable beta,
        double epsilon,
        int axis) {
      super(sd, input, mean, variance, gamma, beta, epsilon, new int[] {axis});
    }

    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
      // Everything lives in the arguments; BatchNorm's private fields are not needed.
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
      List<SDVariable> inputs = new ArrayList<>(Arrays.asList(args()));
      inputs.add(gradients.get(0));
      BatchNormBackprop bp = new BatchNormBackprop(sameDiff, inputs.toArray(new SDVariable[0]));
      bp.addIArgument(iArguments.stream().mapToLong(Long::longValue).toArray());
      bp.addTArgument(tArguments.stream().mapToDouble(Double::doubleValue).toArray());
      return Arrays.asList(bp.outputVariables());
    }
  }

  /**
   * libnd4j's {@code batchnorm_bp}: inputs x, mean, variance, [gamma], [beta], dL/dy; outputs
   * dL/dx, dL/dmean, dL/dvariance, [dL/dgamma], [dL/dbeta]. Created in the gradient function, never
   * copied.
   */
  static final class BatchNormBackprop extends DynamicCustomOp {
    BatchNormBackprop(SameDiff sd, SDVariable[] inputs) {
      super(null, sd, inputs, false);
    }

    @Override
    public String opName() {
      return "batchnorm_bp";
    }

    @Override
    public int getNumOutputs() {
      return args().length - 1;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
      return Collections.nCopies(inputTypes.size() - 1, inputTypes.get(0));
    }
  }

  /**
   * libnd4j's {@code conv2d}, differentiable in every weight layout. M2.1's Conv2D copy rebuilds
   * its configuration from properties that leave out the weight layout, so backprop of a copy hands
   * {@code conv2d_bp} OIYX or OYXI weights labelled YXIO (the default), which fails validation.
   * This op rebuilds the whole configuration from its integer arguments.
   */
  public static final class TrainableConv2D extends Conv2D {
    /** For the copy. */
    public TrainableConv2D() {}

    /** Convolves {@code input} with {@code weights}, no bias. */
    public TrainableConv2D(SameDiff sd, SDVariable input, SDVariable weights, Conv2DConfig config) {
      super(sd, new SDVariable[] {input, weights}, config);
    }

    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
      // configureFromArguments, which runs next, has all of it.
    }

    @Override
    public void configureFromArguments() {
      List<Long> a = iArguments;
      config =
          Conv2DConfig.builder()
              .kH(a.get(0))
              .kW(a.get(1))
              .sH(a.get(2))
              .sW(a.get(3))
              .pH(a.get(4))
              .pW(a.get(5))
              .dH(a.get(6))
              .dW(a.get(7))
              .paddingMode(PaddingMode.fromNumber(a.get(8).intValue()))
              .dataFormat(a.get(9) == 0 ? "NCHW" : "NHWC")
              .weightsFormat(WeightsFormat.values()[a.get(10).intValue()])
              .build();
    }
  }

  /**
   * libnd4j's custom {@code relu} op, whose backprop is {@code relu_bp}, DL4J's ReLU backprop.
   * SameDiff's {@code nn().relu} is the legacy scalar op, whose backprop is {@code
   * thresholdedrelu_bp}: about 4 times slower (23 ms against 6 for [128, 16, 32, 32], one thread).
   */
  public static final class TrainableRelu extends DynamicCustomOp {
    /** For the copy. */
    public TrainableRelu() {}

    /** max(x, 0). */
    public TrainableRelu(SameDiff sd, SDVariable x) {
      super(null, sd, new SDVariable[] {x}, false);
      addTArgument(0.0);
    }

    @Override
    public String opName() {
      return "relu";
    }

    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
      // The cutoff lives in the arguments.
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
      return Collections.singletonList(inputTypes.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
      RectifiedLinearDerivative bp =
          new RectifiedLinearDerivative(sameDiff, arg(), gradients.get(0));
      bp.addTArgument(tArguments.stream().mapToDouble(Double::doubleValue).toArray());
      return Collections.singletonList(bp.outputVariable());
    }
  }
}
