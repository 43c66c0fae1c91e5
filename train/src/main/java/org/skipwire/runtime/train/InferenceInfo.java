package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.skipwire.runtime.data.ChannelStats;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.ImageDataSetIterator;

/**
 * What a checkpoint records for inference, so that {@code Predictor} can turn a picture into class
 * probabilities without the training data: the model, the task, the network's input shape, the
 * images' shape and how they are laid out in it, the class names and the per-channel
 * standardisation applied in training. Stored as the {@code inference} object of {@link
 * CheckpointInfo}'s JSON; checkpoints written before it existed have none and still load for
 * training.
 *
 * @param model the network's name
 * @param task what the output means
 * @param inputShape the network's input, e.g. {@code [1, 28, 28]} or {@code [784]}
 * @param imageShape the images' {@code [c, h, w]} (for a series: {@code [1, T]})
 * @param layout how an image is laid out in the input ({@code IMAGE}, {@code FLAT}, {@code
 *     SEQUENCE}; {@code SERIES} for a forecaster)
 * @param classNames one per output, for a classifier; empty for a forecaster
 * @param normalization inputs are {@code (x - mean) / std}, pixels scaled to [0, 1] first (for a
 *     series, the values and the forecast itself)
 */
public record InferenceInfo(
    String model,
    Kind task,
    List<Integer> inputShape,
    List<Integer> imageShape,
    String layout,
    List<String> classNames,
    ChannelStats normalization) {

  /** What a network's output means. */
  public enum Kind {
    /** Softmax probabilities over {@code classNames}. */
    CLASSIFICATION,
    /** A value in the series' units, after undoing the standardisation. */
    REGRESSION;

    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public InferenceInfo {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(normalization, "normalization");
    inputShape = List.copyOf(inputShape);
    imageShape = List.copyOf(imageShape);
    Objects.requireNonNull(layout, "layout");
    classNames = List.copyOf(classNames);
  }

  /** The record of a classifier trained on {@code data}, served to it as {@code layout}. */
  public static InferenceInfo classifier(
      String model,
      List<Integer> inputShape,
      Dataset data,
      ImageDataSetIterator.Layout layout,
      List<String> outputNames,
      ChannelStats stats) {
    return new InferenceInfo(
        model,
        Kind.CLASSIFICATION,
        inputShape,
        data.imageShape(),
        layout.name(),
        outputNames,
        stats);
  }

  /**
   * The record of a forecaster whose values were standardised with {@code mean} and {@code std}.
   */
  public static InferenceInfo forecaster(
      String model, List<Integer> inputShape, double mean, double std) {
    return new InferenceInfo(
        model,
        Kind.REGRESSION,
        inputShape,
        inputShape,
        "SERIES",
        List.of(),
        new ChannelStats(List.of(mean), List.of(std)));
  }

  void write(ObjectNode node) {
    node.put("model", model);
    node.put("task", task.jsonName());
    ints(node.putArray("inputShape"), inputShape);
    ints(node.putArray("imageShape"), imageShape);
    node.put("layout", layout);
    ArrayNode names = node.putArray("classNames");
    classNames.forEach(names::add);
    ObjectNode n = node.putObject("normalization");
    ArrayNode mean = n.putArray("mean");
    normalization.mean().forEach(mean::add);
    ArrayNode std = n.putArray("std");
    normalization.std().forEach(std::add);
  }

  static InferenceInfo read(JsonNode node) {
    String task = text(node, "task");
    Kind kind =
        switch (task) {
          case "classification" -> Kind.CLASSIFICATION;
          case "regression" -> Kind.REGRESSION;
          default -> throw new IllegalArgumentException("unknown task \"" + task + "\"");
        };
    List<String> names = new ArrayList<>();
    for (JsonNode n : array(node, "classNames")) {
      names.add(n.asText());
    }
    JsonNode norm = node.get("normalization");
    if (norm == null || !norm.isObject()) {
      throw new IllegalArgumentException("inference: no \"normalization\"");
    }
    return new InferenceInfo(
        text(node, "model"),
        kind,
        ints(array(node, "inputShape")),
        ints(array(node, "imageShape")),
        text(node, "layout"),
        names,
        new ChannelStats(doubles(array(norm, "mean")), doubles(array(norm, "std"))));
  }

  private static void ints(ArrayNode array, List<Integer> values) {
    values.forEach(array::add);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("inference: no \"" + field + "\"");
    }
    return v.asText();
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isArray()) {
      throw new IllegalArgumentException("inference: no \"" + field + "\" array");
    }
    return v;
  }

  private static List<Integer> ints(JsonNode array) {
    List<Integer> out = new ArrayList<>();
    for (JsonNode n : array) {
      if (!n.canConvertToInt() || n.asInt() <= 0) {
        throw new IllegalArgumentException("inference: bad size " + n);
      }
      out.add(n.asInt());
    }
    return out;
  }

  private static List<Double> doubles(JsonNode array) {
    List<Double> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asDouble());
    }
    return out;
  }
}
