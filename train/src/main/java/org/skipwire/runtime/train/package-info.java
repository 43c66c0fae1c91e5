/**
 * The training loop: {@link org.skipwire.runtime.train.Trainer} runs a {@link
 * org.skipwire.runtime.train.TrainingPlan} and returns a {@link
 * org.skipwire.runtime.train.TrainResult}.
 *
 * <pre>{@code
 * TrainingPlan plan = TrainingPlan.builder()
 *     .epochs(15).batch(128).learningRate(0.1).schedule(Schedule.parse("warmup-cosine"))
 *     .trainLimit(0).seed(42).checkpointDir(Path.of("runs/resnet20")).resume(true)
 *     .build();
 * try {
 *   TrainResult r = new Trainer(plan).train(model, Datasets.open(dirOrNull));
 * } catch (DataException | CheckpointException | TrainingDivergedException e) {
 *   System.err.println(e.getMessage());   // one line each
 *   System.exit(1);
 * }
 * }</pre>
 *
 * <p>The checkpoint directory receives, after every epoch: {@code checkpoint.zip} (DL4J model with
 * updater state and the run record, replaced atomically), {@code checkpoint.json} (a readable copy
 * of the record), {@code loss.png}, {@code accuracy.png} and {@code gradient-flow.png}. For the
 * degradation experiment, {@link org.skipwire.runtime.train.Plots} also draws several runs on one
 * chart.
 */
package org.skipwire.runtime.train;
