package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * What a checkpoint records besides the network: which model, how far it got, the settings it was
 * trained with, and every epoch's metrics. Stored as JSON inside the checkpoint zip and, for people
 * and tools, in {@code checkpoint.json} next to it.
 *
 * @param model the network's name
 * @param epoch epochs completed
 * @param iteration parameter updates completed (the network's iteration counter)
 * @param dataset the data set's name, for information
 * @param trainImages training images per epoch; a resumed run must have as many
 * @param plan the settings (no directory, resume or progress: those belong to each run)
 * @param history one entry per completed epoch
 * @param inference what prediction needs (class names, input shape, normalisation, task); null in
 *     checkpoints written before skipwire recorded it, and for graphs trained without a data set it
 *     knows
 */
public record CheckpointInfo(
    String model,
    int epoch,
    int iteration,
    String dataset,
    int trainImages,
    TrainingPlan plan,
    List<EpochMetrics> history,
    InferenceInfo inference) {

  /** A record without {@link InferenceInfo}. */
  public CheckpointInfo(
      String model,
      int epoch,
      int iteration,
      String dataset,
      int trainImages,
      TrainingPlan plan,
      List<EpochMetrics> history) {
    this(model, epoch, iteration, dataset, trainImages, plan, history, null);
  }

  /** Bumped when the layout changes incompatibly. */
  public static final int FORMAT = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public CheckpointInfo {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(plan, "plan");
    history = List.copyOf(history);
    plan = plan.toBuilder().checkpointDir(null).resume(false).progress(Progress.AUTO).build();
  }

  /** The JSON text; non-finite numbers are written as null. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("model", model);
    root.put("epoch", epoch);
    root.put("iteration", iteration);
    root.put("dataset", dataset);
    root.put("trainImages", trainImages);
    ObjectNode p = root.putObject("plan");
    p.put("epochs", plan.epochs());
    p.put("batch", plan.batch());
    p.put("learningRate", plan.learningRate());
    p.put("schedule", plan.schedule().cliName());
    p.put("warmupFraction", plan.warmupFraction());
    p.put("optimizer", plan.optimizer().cliName());
    p.put("momentum", plan.momentum());
    p.put("weightDecay", plan.weightDecay());
    p.put("trainLimit", plan.trainLimit());
    p.put("testLimit", plan.testLimit());
    p.put("normalize", plan.normalize());
    p.put("augment", plan.augment());
    p.put("seed", plan.seed());
    ArrayNode h = root.putArray("history");
    for (EpochMetrics m : history) {
      ObjectNode e = h.addObject();
      e.put("epoch", m.epoch());
      number(e, "trainLoss", m.trainLoss());
      number(e, "trainAccuracy", m.trainAccuracy());
      number(e, "testLoss", m.testLoss());
      number(e, "testAccuracy", m.testAccuracy());
      number(e, "learningRate", m.learningRate());
      number(e, "seconds", m.seconds());
      number(e, "imagesPerSecond", m.imagesPerSecond());
      if (m.isRegression()) {
        number(e, "testMse", m.testMse());
      }
      ObjectNode g = e.putObject("gradientNorms");
      m.gradientNorms().forEach((k, v) -> number(g, k, v));
    }
    if (inference != null) {
      inference.write(root.putObject("inference"));
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses {@link #toJson()}'s text.
   *
   * @throws IllegalArgumentException with a short reason, if the text is not such a record
   */
  public static CheckpointInfo fromJson(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    int format = require(root, "format").asInt();
    if (format != FORMAT) {
      throw new IllegalArgumentException("format " + format + ", this version reads " + FORMAT);
    }
    JsonNode p = require(root, "plan");
    TrainingPlan plan =
        TrainingPlan.builder()
            .epochs(require(p, "epochs").asInt())
            .batch(require(p, "batch").asInt())
            .learningRate(require(p, "learningRate").asDouble())
            .schedule(Schedule.parse(require(p, "schedule").asText()))
            .warmupFraction(require(p, "warmupFraction").asDouble())
            // Checkpoints from before the optimizer was a choice were all SGD.
            .optimizer(Optimizer.parse(p.path("optimizer").asText("sgd")))
            .momentum(require(p, "momentum").asDouble())
            .weightDecay(require(p, "weightDecay").asDouble())
            .trainLimit(require(p, "trainLimit").asInt())
            .testLimit(require(p, "testLimit").asInt())
            .normalize(require(p, "normalize").asBoolean())
            .augment(require(p, "augment").asBoolean())
            .seed(require(p, "seed").asLong())
            .build();
    List<EpochMetrics> history = new ArrayList<>();
    for (JsonNode e : require(root, "history")) {
      Map<String, Double> norms = new LinkedHashMap<>();
      JsonNode g = require(e, "gradientNorms");
      for (Iterator<Map.Entry<String, JsonNode>> it = g.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        norms.put(f.getKey(), number(f.getValue()));
      }
      history.add(
          new EpochMetrics(
              require(e, "epoch").asInt(),
              number(require(e, "trainLoss")),
              number(require(e, "trainAccuracy")),
              number(require(e, "testLoss")),
              number(require(e, "testAccuracy")),
              number(require(e, "learningRate")),
              number(require(e, "seconds")),
              number(require(e, "imagesPerSecond")),
              norms,
              e.has("testMse") ? number(e.get("testMse")) : Double.NaN));
    }
    return new CheckpointInfo(
        require(root, "model").asText(),
        require(root, "epoch").asInt(),
        require(root, "iteration").asInt(),
        require(root, "dataset").asText(),
        require(root, "trainImages").asInt(),
        plan,
        history,
        // Absent from checkpoints written before prediction was possible; those still resume.
        root.hasNonNull("inference") ? InferenceInfo.read(root.get("inference")) : null);
  }

  private static JsonNode require(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw new IllegalArgumentException("no \"" + field + "\"");
    }
    return v;
  }

  private static void number(ObjectNode node, String field, double value) {
    if (Double.isFinite(value)) {
      node.put(field, value);
    } else {
      node.putNull(field);
    }
  }

  private static double number(JsonNode node) {
    return node.isNull() ? Double.NaN : node.asDouble();
  }
}
