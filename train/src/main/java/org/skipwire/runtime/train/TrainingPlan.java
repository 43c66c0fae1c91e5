package org.skipwire.runtime.train;

import java.nio.file.Path;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.data.DataOptions;

/**
 * Everything a {@link Trainer} run needs besides the network and the data. Defaults follow the
 * ResNet papers: SGD with Nesterov momentum 0.9, lr 0.1, step decay at 50% and 75%, weight decay
 * 1e-4, batch 128. Build with {@link #builder()} or change one with {@link #toBuilder()}.
 *
 * @param epochs passes over the training set in the whole run (a resumed run counts the epochs done
 *     before)
 * @param batch images per update
 * @param learningRate the peak learning rate
 * @param schedule how the rate changes over the run
 * @param warmupFraction the share of all updates spent warming up, for {@link
 *     Schedule#WARMUP_COSINE}
 * @param optimizer the update rule
 * @param momentum the Nesterov momentum (SGD only)
 * @param weightDecay the L2 coefficient on weights, added to the gradient (PyTorch's {@code
 *     weight_decay}); 0 for none
 * @param trainLimit train on the first {@code trainLimit} images only; 0 for all
 * @param testLimit evaluate on the first {@code testLimit} test images only; 0 for all
 * @param normalize standardise each channel with the training set's mean and std
 * @param augment random 4-pixel shifts and horizontal flips of training images
 * @param seed seeds weight initialisation, shuffling and augmentation, and dropout and drop-path in
 *     a fresh run (DL4J seeds ND4J's generator when it initialises the parameters; a resumed run's
 *     draws are not seeded); on Spark every run's, per worker and round
 * @param checkpointDir where checkpoints and plots go; null for none
 * @param resume continue from the checkpoint in {@code checkpointDir}, if there is one
 * @param progress bar or summary lines
 */
public record TrainingPlan(
    int epochs,
    int batch,
    double learningRate,
    Schedule schedule,
    double warmupFraction,
    Optimizer optimizer,
    double momentum,
    double weightDecay,
    int trainLimit,
    int testLimit,
    boolean normalize,
    boolean augment,
    long seed,
    Path checkpointDir,
    boolean resume,
    Progress progress) {

  public TrainingPlan {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(progress, "progress");
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
    }
    if (!(warmupFraction > 0 && warmupFraction < 1)) {
      throw new IllegalArgumentException("warmupFraction must be in (0, 1), got " + warmupFraction);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
    if (trainLimit < 0 || testLimit < 0) {
      throw new IllegalArgumentException("limits must be >= 0 (0 = all)");
    }
    if (resume && checkpointDir == null) {
      throw new IllegalArgumentException("resume needs a checkpoint directory");
    }
  }

  /** The defaults: see the class comment. */
  public static TrainingPlan defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** How the data is served under this plan. */
  public DataOptions dataOptions() {
    return new DataOptions(batch, seed, normalize, augment, trainLimit, testLimit);
  }

  /** The learning-rate schedule for a run with this many batches per epoch. */
  public LearningRateSchedule schedule(int iterationsPerEpoch) {
    return LearningRateSchedule.of(
        schedule, learningRate, epochs, iterationsPerEpoch, warmupFraction);
  }

  /**
   * The settings to create a generated network with: this plan's seed, its optimizer on {@link
   * #schedule(int)}, this weight decay, fp32.
   */
  public Training training(int iterationsPerEpoch) {
    IUpdater updater =
        switch (optimizer) {
          case SGD -> new Nesterovs(schedule(iterationsPerEpoch), momentum);
          case ADAM -> new Adam(schedule(iterationsPerEpoch));
        };
    return new Training(seed, updater, weightDecay, DataType.FLOAT);
  }

  /** Builds a {@link TrainingPlan}; every setting starts at its default. */
  public static final class Builder {
    private int epochs = 10;
    private int batch = 128;
    private double learningRate = 0.1;
    private Schedule schedule = Schedule.STEP;
    private double warmupFraction = 0.05;
    private Optimizer optimizer = Optimizer.SGD;
    private double momentum = 0.9;
    private double weightDecay = 1e-4;
    private int trainLimit;
    private int testLimit;
    private boolean normalize = true;
    private boolean augment;
    private long seed = 42;
    private Path checkpointDir;
    private boolean resume;
    private Progress progress = Progress.AUTO;

    private Builder() {}

    private Builder(TrainingPlan p) {
      epochs = p.epochs;
      batch = p.batch;
      learningRate = p.learningRate;
      schedule = p.schedule;
      warmupFraction = p.warmupFraction;
      optimizer = p.optimizer;
      momentum = p.momentum;
      weightDecay = p.weightDecay;
      trainLimit = p.trainLimit;
      testLimit = p.testLimit;
      normalize = p.normalize;
      augment = p.augment;
      seed = p.seed;
      checkpointDir = p.checkpointDir;
      resume = p.resume;
      progress = p.progress;
    }

    /** Default 10. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** Default 128. */
    public Builder batch(int v) {
      batch = v;
      return this;
    }

    /** Default 0.1. */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /** Default {@link Schedule#STEP}. */
    public Builder schedule(Schedule v) {
      schedule = v;
      return this;
    }

    /** Default 0.05: 5% of all updates. */
    public Builder warmupFraction(double v) {
      warmupFraction = v;
      return this;
    }

    /** Default {@link Optimizer#SGD}. */
    public Builder optimizer(Optimizer v) {
      optimizer = v;
      return this;
    }

    /** Default 0.9. */
    public Builder momentum(double v) {
      momentum = v;
      return this;
    }

    /** Default 1e-4. */
    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** Default 0: all training images. */
    public Builder trainLimit(int v) {
      trainLimit = v;
      return this;
    }

    /** Default 0: all test images. */
    public Builder testLimit(int v) {
      testLimit = v;
      return this;
    }

    /** Default true. */
    public Builder normalize(boolean v) {
      normalize = v;
      return this;
    }

    /** Default false. */
    public Builder augment(boolean v) {
      augment = v;
      return this;
    }

    /** Default 42. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Default null: no checkpoints, no plots. */
    public Builder checkpointDir(Path v) {
      checkpointDir = v;
      return this;
    }

    /** Default false. */
    public Builder resume(boolean v) {
      resume = v;
      return this;
    }

    /** Default {@link Progress#AUTO}. */
    public Builder progress(Progress v) {
      progress = v;
      return this;
    }

    public TrainingPlan build() {
      return new TrainingPlan(
          epochs,
          batch,
          learningRate,
          schedule,
          warmupFraction,
          optimizer,
          momentum,
          weightDecay,
          trainLimit,
          testLimit,
          normalize,
          augment,
          seed,
          checkpointDir,
          resume,
          progress);
    }
  }
}
