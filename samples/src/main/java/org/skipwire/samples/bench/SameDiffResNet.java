package org.skipwire.samples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * CIFAR ResNet-20, option B (He et al. 2015: 16/32/64 channels, three basic blocks per stage, 1x1
 * projection shortcuts where the shape changes), written directly in SameDiff: the benchmark's
 * alternative to the ComputationGraph that skipwire generates for {@code cifar-resnet20-b}. Same
 * parameters (272,474 trainable), He-normal initialisation, Nesterov momentum 0.9 at learning rate
 * 0.1, L2 1e-4 on convolution and dense weights only (as DL4J applies it), batch-norm epsilon 1e-5
 * and running-statistics decay 0.9, fp32.
 *
 * <p>Batch norm. SameDiff 1.0.0-M2.1 has no training mode: its {@code batchNorm} op (libnd4j's
 * {@code batchnorm}, which has a oneDNN implementation) normalises with whatever mean and variance
 * it is given, and as shipped it cannot be differentiated at all (deeplearning4j issue 9029; see
 * {@link SameDiffOps.TrainableBatchNorm}). So the graph holds two forward passes over the same
 * weights. The inference pass uses {@code batchnorm} with running statistics, which a listener
 * moves towards each training step's batch moments (they are constants, so the updater leaves them
 * alone). The training pass normalises with the batch's moments (population variance, as DL4J),
 * either
 *
 * <ul>
 *   <li>{@link Norm#COMPOSED}: composed from reductions and element-wise ops that SameDiff
 *       differentiates as shipped; or
 *   <li>{@link Norm#FUSED}: libnd4j's {@code batchnorm} and {@code batchnorm_bp}, through {@link
 *       SameDiffOps}. {@code batchnorm_bp} returns the full training-mode input gradient (the terms
 *       through the batch mean and variance included) and zero gradients for the mean and variance
 *       inputs, so the moments' own backprop adds only zeros, at the price of its passes over the
 *       activations; {@link Options#stopStatsGradient()} spares them (about 10% of a training
 *       step). {@code SameDiffResNetTest} checks the two routes' gradients against each other.
 * </ul>
 */
public final class SameDiffResNet {
  /** Activation layout; the input placeholder is NCHW either way (NHWC permutes it once). */
  public enum Layout {
    NCHW,
    NHWC
  }

  /** How the training pass computes batch norm; see the class comment. */
  public enum Norm {
    COMPOSED,
    FUSED
  }

  /** Which ReLU op. */
  public enum Relu {
    /** SameDiff's {@code nn().relu}: the legacy scalar op, backprop {@code thresholdedrelu_bp}. */
    THRESHOLD,
    /** libnd4j's custom {@code relu}, backprop {@code relu_bp} ({@link SameDiffOps}). */
    RELUBP
  }

  /**
   * The choices that matter for speed.
   *
   * @param trainLayout activation layout of the training pass
   * @param inferLayout activation layout of the inference pass
   * @param weights convolution weight layout, shared by both passes: OIYX [out, in, kH, kW]
   *     (DL4J's), YXIO [kH, kW, in, out] (SameDiff's default, TensorFlow's) or OYXI [out, kH, kW,
   *     in]
   * @param norm batch norm in the training pass
   * @param relu the ReLU op
   * @param stopStatsGradient with {@link Norm#FUSED}: take the batch moments of a {@code
   *     stop_gradient} of the activations, so backprop skips the moments' (all-zero) backprop
   * @param helpers whether libnd4j may use its platform (oneDNN) implementations while this network
   *     runs; false switches them off around each step ({@code
   *     Nd4j.getEnvironment().allowHelpers}), to see what they contribute
   */
  public record Options(
      Layout trainLayout,
      Layout inferLayout,
      WeightsFormat weights,
      Norm norm,
      Relu relu,
      boolean stopStatsGradient,
      boolean helpers) {
    /**
     * The fastest measured: NCHW training, NHWC inference, YXIO weights, fused batch norm, relu_bp,
     * the moments' gradient stopped, platform helpers allowed.
     */
    public static Options defaults() {
      return new Options(
          Layout.NCHW, Layout.NHWC, WeightsFormat.YXIO, Norm.FUSED, Relu.RELUBP, true, true);
    }

    /**
     * The defaults with the choices named in {@code text} replaced: tokens separated by "/", any
     * order, case-insensitive. nchw|nhwc (both passes), train-nchw|train-nhwc,
     * infer-nchw|infer-nhwc, oiyx|yxio|oyxi, fused|composed, relubp|threshold, stop|nostop,
     * helpers|nohelpers; e.g. {@code nhwc/composed}.
     */
    public static Options parse(String text) {
      Options d = defaults();
      Layout train = d.trainLayout;
      Layout infer = d.inferLayout;
      WeightsFormat weights = d.weights;
      Norm norm = d.norm;
      Relu relu = d.relu;
      boolean stop = d.stopStatsGradient;
      boolean helpers = d.helpers;
      for (String t : text.trim().toUpperCase(Locale.ROOT).split("/")) {
        String layout = t.replaceFirst("^(TRAIN|INFER)-", "");
        if (t.equals("DEFAULT")) {
          continue;
        } else if (t.equals("STOP") || t.equals("NOSTOP")) {
          stop = t.equals("STOP");
        } else if (t.equals("HELPERS") || t.equals("NOHELPERS")) {
          helpers = t.equals("HELPERS");
        } else if (isIn(layout, Layout.values())) {
          train = t.startsWith("INFER-") ? train : Layout.valueOf(layout);
          infer = t.startsWith("TRAIN-") ? infer : Layout.valueOf(layout);
        } else if (isIn(t, WeightsFormat.values())) {
          weights = WeightsFormat.valueOf(t);
        } else if (isIn(t, Norm.values())) {
          norm = Norm.valueOf(t);
        } else if (isIn(t, Relu.values())) {
          relu = Relu.valueOf(t);
        } else {
          throw new IllegalArgumentException(
              "unknown choice "
                  + t.toLowerCase(Locale.ROOT)
                  + " in "
                  + text
                  + "; expected [train-|infer-]nchw|nhwc, oiyx|yxio|oyxi, fused|composed,"
                  + " relubp|threshold, stop|nostop, helpers|nohelpers, separated by /");
        }
      }
      return new Options(train, infer, weights, norm, relu, stop, helpers);
    }

    private static boolean isIn(String token, Enum<?>[] values) {
      return Arrays.stream(values).anyMatch(v -> v.name().equals(token));
    }

    Layout layout(boolean training) {
      return training ? trainLayout : inferLayout;
    }

    /**
     * Whether this variant uses only ops that SameDiff M2.1 differentiates as shipped (composed
     * batch norm, SameDiff's relu, YXIO weights): then {@link SameDiffOps}' patch stays out.
     */
    public boolean asShipped() {
      return norm == Norm.COMPOSED && relu == Relu.THRESHOLD && weights == WeightsFormat.YXIO;
    }

    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      parts.add(
          trainLayout == inferLayout
              ? trainLayout.toString()
              : "train-" + trainLayout + "/infer-" + inferLayout);
      parts.add(weights.toString());
      parts.add(norm.toString());
      parts.add(relu.toString());
      if (norm == Norm.FUSED) {
        parts.add(stopStatsGradient ? "stop" : "nostop");
      }
      if (!helpers) {
        parts.add("nohelpers");
      }
      return String.join("/", parts).toLowerCase(Locale.ROOT);
    }
  }

  static final String INPUT = "in";
  static final String LABEL = "label";
  static final String LOSS = "loss";
  static final String PROBABILITIES = "probabilities";
  private static final double EPSILON = 1e-5;
  private static final double DECAY = 0.9;

  private final SameDiff sd = SameDiff.create();
  private final Options options;
  private final Random random;
  private final Map<String, SDVariable> params = new LinkedHashMap<>();
  private final List<BatchNormParams> batchNorms = new ArrayList<>();
  private long trainable;
  private long running;

  /** One batch norm: its parameters, running statistics and the training pass's batch moments. */
  private record BatchNormParams(
      SDVariable gamma,
      SDVariable beta,
      SDVariable runningMean,
      SDVariable runningVar,
      List<String> batchMean,
      List<String> batchVar) {}

  private SameDiffResNet(Options options, long seed) {
    this.options = options;
    this.random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
  }

  /** CIFAR ResNet-20-B with the default {@link Options}, weights from {@code seed}. */
  public static SameDiffResNet cifarResNet20B(long seed) {
    return cifarResNet(3, Options.defaults(), seed);
  }

  /** The CIFAR ResNet with {@code n} basic blocks per stage (6n+2 layers), option B shortcuts. */
  public static SameDiffResNet cifarResNet(int n, Options options, long seed) {
    SameDiffResNet net = new SameDiffResNet(options, seed);
    net.build(n);
    return net;
  }

  private void build(int n) {
    SDVariable in = sd.placeHolder(INPUT, DataType.FLOAT, -1, 3, 32, 32);
    SDVariable label = sd.placeHolder(LABEL, DataType.FLOAT, -1, 10);
    // Parameters first, in one pass: the training and inference graphs then share them.
    conv("stem", 3, 16, 3);
    bn(16);
    int c = 16;
    int[] widths = {16, 32, 64};
    for (int stage = 0; stage < 3; stage++) {
      int w = widths[stage];
      for (int b = 0; b < n; b++) {
        String p = "s" + stage + "b" + b;
        conv(p + "c1", c, w, 3);
        bn(w);
        conv(p + "c2", w, w, 3);
        bn(w);
        if ((stage > 0 && b == 0) || c != w) {
          conv(p + "sc", c, w, 1);
          bn(w);
        }
        c = w;
      }
    }
    SDVariable fcW = param("fc_W", he(64, 64, 10));
    SDVariable fcB = param("fc_b", Nd4j.zeros(DataType.FLOAT, 10));

    for (boolean training : new boolean[] {true, false}) {
      boolean nhwc = options.layout(training) == Layout.NHWC;
      SDVariable x = nhwc ? in.permute(0, 2, 3, 1) : in;
      x = forward(x, n, training);
      SDVariable pooled = nhwc ? x.mean(1, 2) : x.mean(2, 3);
      SDVariable logits = sd.nn().linear(pooled, fcW, fcB);
      if (training) {
        sd.loss()
            .softmaxCrossEntropy(
                LOSS, label, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
      } else {
        sd.nn().softmax(PROBABILITIES, logits, 1);
      }
    }

    sd.setTrainingConfig(
        TrainingConfig.builder()
            .updater(new Nesterovs(0.1, 0.9))
            .regularization(new WeightsOnly(new L2Regularization(1e-4)))
            .dataSetFeatureMapping(INPUT)
            .dataSetLabelMapping(LABEL)
            .minimize(LOSS)
            .build());
    sd.setListeners(new RunningStatistics());
    SameDiffOps.createGradFunction(sd, !options.asShipped());
  }

  private SDVariable forward(SDVariable x, int n, boolean training) {
    int bn = 0;
    x = relu(batchNorm(conv(x, "stem", 1, training), bn++, training));
    int c = 16;
    int[] widths = {16, 32, 64};
    for (int stage = 0; stage < 3; stage++) {
      int w = widths[stage];
      for (int b = 0; b < n; b++) {
        int stride = stage > 0 && b == 0 ? 2 : 1;
        String p = "s" + stage + "b" + b;
        SDVariable y = relu(batchNorm(conv(x, p + "c1", stride, training), bn++, training));
        y = batchNorm(conv(y, p + "c2", 1, training), bn++, training);
        SDVariable shortcut = x;
        if (stride != 1 || c != w) {
          shortcut = batchNorm(conv(x, p + "sc", stride, training), bn++, training);
        }
        x = relu(y.add(shortcut));
        c = w;
      }
    }
    return x;
  }

  private SDVariable relu(SDVariable x) {
    return options.relu() == Relu.THRESHOLD
        ? sd.nn().relu(x, 0)
        : new SameDiffOps.TrainableRelu(sd, x).outputVariable();
  }

  private SDVariable conv(SDVariable x, String name, int stride, boolean training) {
    SDVariable w = params.get(name + "_W");
    long k =
        w.getShape()[
            switch (options.weights()) {
              case OIYX -> 2;
              case YXIO -> 0;
              case OYXI -> 1;
            }];
    Conv2DConfig config =
        Conv2DConfig.builder()
            .kH(k)
            .kW(k)
            .sH(stride)
            .sW(stride)
            .pH(k / 2)
            .pW(k / 2)
            .paddingMode(PaddingMode.VALID)
            .dataFormat(options.layout(training).name())
            .weightsFormat(options.weights())
            .build();
    return options.weights() == WeightsFormat.YXIO
        ? sd.cnn().conv2d(x, w, config)
        : new SameDiffOps.TrainableConv2D(sd, x, w, config).outputVariable();
  }

  private SDVariable batchNorm(SDVariable x, int index, boolean training) {
    BatchNormParams b = batchNorms.get(index);
    boolean nchw = options.layout(training) == Layout.NCHW;
    int axis = nchw ? 1 : 3;
    if (!training) {
      return sd.nn()
          .batchNorm(x, b.runningMean(), b.runningVar(), b.gamma(), b.beta(), EPSILON, axis);
    }
    int[] reduce = nchw ? new int[] {0, 2, 3} : new int[] {0, 1, 2};
    if (options.norm() == Norm.COMPOSED) {
      long channels = b.gamma().getShape()[0];
      long[] broadcast = nchw ? new long[] {1, channels, 1, 1} : new long[] {1, 1, 1, channels};
      SDVariable mean = x.mean(true, reduce);
      SDVariable centred = x.sub(mean);
      SDVariable var = sd.math().square(centred).mean(true, reduce);
      b.batchMean().add(mean.name());
      b.batchVar().add(var.name());
      SDVariable scale = sd.math().rsqrt(var.add(EPSILON)).mul(b.gamma().reshape(broadcast));
      return centred.mul(scale).add(b.beta().reshape(broadcast));
    }
    SDVariable source = options.stopStatsGradient() ? new StopGradient(sd, x).outputVariable() : x;
    SDVariable[] moments = sd.math().moments(source, reduce, false);
    b.batchMean().add(moments[0].name());
    b.batchVar().add(moments[1].name());
    return new SameDiffOps.TrainableBatchNorm(
            sd, x, moments[0], moments[1], b.gamma(), b.beta(), EPSILON, axis)
        .outputVariable();
  }

  private void conv(String name, int in, int out, int k) {
    long[] shape =
        switch (options.weights()) {
          case OIYX -> new long[] {out, in, k, k};
          case YXIO -> new long[] {k, k, in, out};
          case OYXI -> new long[] {out, k, k, in};
        };
    param(name + "_W", he(in * k * k, shape));
  }

  private void bn(int channels) {
    String name = "bn" + batchNorms.size();
    SDVariable gamma = param(name + "_gamma", Nd4j.ones(DataType.FLOAT, channels));
    SDVariable beta = param(name + "_beta", Nd4j.zeros(DataType.FLOAT, channels));
    SDVariable mean = sd.constant(name + "_mean", Nd4j.zeros(DataType.FLOAT, channels));
    SDVariable var = sd.constant(name + "_var", Nd4j.ones(DataType.FLOAT, channels));
    running += 2L * channels;
    batchNorms.add(
        new BatchNormParams(gamma, beta, mean, var, new ArrayList<>(), new ArrayList<>()));
  }

  private SDVariable param(String name, INDArray value) {
    SDVariable v = sd.var(name, value);
    params.put(name, v);
    trainable += value.length();
    return v;
  }

  /** He-normal: N(0, 2 / fanIn), as DL4J's WeightInit.RELU. */
  private INDArray he(long fanIn, long... shape) {
    return Nd4j.randn(0.0, Math.sqrt(2.0 / fanIn), shape, random).castTo(DataType.FLOAT);
  }

  /** One training step: forward, backward and Nesterov update on one batch (labels one-hot). */
  public void fit(DataSet batch) {
    withHelpers(() -> sd.fit(batch));
  }

  /** Class probabilities, batch norm with running statistics (DL4J's {@code output(false)}). */
  public INDArray output(INDArray images) {
    return withHelpers(() -> sd.outputSingle(Map.of(INPUT, images), PROBABILITIES));
  }

  private <T> T withHelpers(Supplier<T> step) {
    Environment env = Nd4j.getEnvironment();
    boolean allowed = env.helpersAllowed();
    env.allowHelpers(options.helpers());
    try {
      return step.get();
    } finally {
      env.allowHelpers(allowed);
    }
  }

  /** The training graph's loss on a batch (batch statistics), without updating anything. */
  public double loss(DataSet batch) {
    return sd.outputSingle(Map.of(INPUT, batch.getFeatures(), LABEL, batch.getLabels()), LOSS)
        .getDouble(0);
  }

  /** Weights, biases, gamma and beta: what the updater trains. */
  public long trainableParams() {
    return trainable;
  }

  /** Batch norms' running means and variances: DL4J counts these in its parameter vector. */
  public long runningStatistics() {
    return running;
  }

  public Options options() {
    return options;
  }

  /** This network as a benchmark contestant; its parameter count is DL4J's way of counting. */
  public Benchmark.Net asNet() {
    return new Benchmark.Net() {
      @Override
      public void fit(DataSet batch) {
        SameDiffResNet.this.fit(batch);
      }

      @Override
      public INDArray output(INDArray images) {
        return SameDiffResNet.this.output(images);
      }

      @Override
      public long params() {
        return trainable + running;
      }
    };
  }

  /**
   * DL4J's {@code l2} regularises weights, not biases and not batch norm's gamma and beta;
   * SameDiff's applies to every trainable variable. Weights are the parameters of rank 2 and more.
   */
  private record WeightsOnly(Regularization inner) implements Regularization {
    @Override
    public ApplyStep applyStep() {
      return inner.applyStep();
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
      if (param.rank() > 1) {
        inner.apply(param, gradView, lr, iteration, epoch);
      }
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
      return param.rank() > 1 ? inner.score(param, iteration, epoch) : 0;
    }

    @Override
    public Regularization clone() {
      return new WeightsOnly(inner.clone());
    }
  }

  /**
   * Moves each batch norm's running statistics towards the batch moments of every training step:
   * {@code running = decay * running + (1 - decay) * batch}, DL4J's update.
   */
  private final class RunningStatistics extends BaseListener {
    private final Map<String, INDArray> targets = new LinkedHashMap<>();

    RunningStatistics() {
      for (BatchNormParams b : batchNorms) {
        b.batchMean().forEach(name -> targets.put(name, b.runningMean().getArr()));
        b.batchVar().forEach(name -> targets.put(name, b.runningVar().getArr()));
      }
    }

    @Override
    public boolean isActive(Operation operation) {
      return operation == Operation.TRAINING;
    }

    @Override
    public void activationAvailable(
        SameDiff sameDiff,
        At at,
        MultiDataSet batch,
        SameDiffOp op,
        String varName,
        INDArray activation) {
      INDArray target = targets.get(varName);
      if (target != null) {
        target.muli(DECAY).addi(activation.reshape(target.length()).mul(1 - DECAY));
      }
    }
  }
}
