package org.skipwire.runtime.weights;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.VertexInfo;
import org.skipwire.runtime.train.GraphStart;
import org.skipwire.runtime.train.LearningRateSchedule;

/**
 * Transfer learning for a generated network: start from a weights file (optionally with a new
 * output layer), freeze the trunk or a prefix of it, and train the trunk at a fraction of the
 * learning rate. As a {@link GraphStart} for the {@code Trainer}:
 *
 * <pre>{@code
 * Transfer t = Transfer.of(model).weights(Path.of("resnet18.pth")).newHead(true).freeze("trunk");
 * new Trainer(plan).startWith(t).train(model, data);
 * }</pre>
 *
 * <p>Freezing wraps each frozen layer in DL4J's {@code FrozenLayer} (through {@code
 * TransferLearning.GraphBuilder#setFeatureExtractor}): no gradient, no update, no weight decay, and
 * a frozen batch norm normalises with its running statistics in training too, without updating
 * them. "The trunk" is every field of the declaration before the output layer; {@code
 * freeze("conv3")} freezes that field and every field before it, in declaration order.
 */
public final class Transfer implements GraphStart {
  /** A problem with the weights or the options: one line, nothing trained. */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Failure(String message) {
      super(message, null, false, false);
    }
  }

  private final SkipwireModel model;
  private Path weights;
  private NamingConvention keys;
  private boolean newHead;
  private String freeze;
  private double trunkLrScale = 1;
  private PrintStream out = System.out;
  private WeightLoader.Result loaded;
  private List<String> frozen = List.of();

  private Transfer(SkipwireModel model) {
    this.model = Objects.requireNonNull(model, "model");
  }

  public static Transfer of(SkipwireModel model) {
    return new Transfer(model);
  }

  /** The weights file to start from (safetensors or torch.save). */
  public Transfer weights(Path file) {
    this.weights = file;
    return this;
  }

  /** The file's key names; null (the default) picks the known convention that fits best. */
  public Transfer keys(NamingConvention names) {
    this.keys = names;
    return this;
  }

  /** Re-initialise the output layer where the file's differs (see {@link WeightLoader#newHead}). */
  public Transfer newHead(boolean on) {
    this.newHead = on;
    return this;
  }

  /**
   * {@code "trunk"}, a trunk field name (it and all before it), or null for nothing frozen.
   *
   * @throws Failure if the name is no trunk field
   */
  public Transfer freeze(String what) {
    if (what != null) {
      frozenFields(what); // checks the name now, before any training starts
    }
    this.freeze = what;
    return this;
  }

  /** The trunk's learning rate as a fraction of the head's (1: the same). */
  public Transfer trunkLrScale(double scale) {
    if (!(scale > 0) || !Double.isFinite(scale)) {
      throw new Failure("--trunk-lr-scale must be positive, got " + scale);
    }
    this.trunkLrScale = scale;
    return this;
  }

  /** Where the lines saying what was loaded and frozen go. */
  public Transfer out(PrintStream stream) {
    this.out = Objects.requireNonNull(stream, "out");
    return this;
  }

  /** What the load did, once {@link #prepare} has run; null before, or without weights. */
  public WeightLoader.Result loaded() {
    return loaded;
  }

  /** The frozen vertices, once {@link #prepare} has run. */
  public List<String> frozen() {
    return frozen;
  }

  /**
   * The key names the weights file uses: the ones given, or the known convention under which most
   * of the declaration's parametrised vertices have a {@code weight} in the file (read from the
   * generated vertex table, so no graph is built); null without a weights file.
   *
   * @throws Failure if the file cannot be opened
   */
  public NamingConvention names() {
    if (weights == null || keys != null) {
      return keys;
    }
    try (WeightsFile f = WeightsFile.open(weights)) {
      NamingConvention best = NamingConvention.SKIPWIRE;
      long bestHits = -1;
      for (NamingConvention c : TorchvisionNames.KNOWN) {
        long hits =
            model.vertices().stream()
                .filter(v -> v.params() > 0)
                .filter(v -> f.tensors().containsKey(c.module(v.name()) + ".weight"))
                .count();
        if (hits > bestHits) {
          best = c;
          bestHits = hits;
        }
      }
      return best;
    } catch (WeightsException e) {
      throw new Failure(e.getMessage());
    }
  }

  /**
   * The input normalisation the weights expect ({@link Preprocessing#expectedBy}): torchvision's
   * ImageNet constants for torchvision names on RGB input, null otherwise (the data's own).
   */
  public Preprocessing preprocessing() {
    NamingConvention n = names();
    return n == null ? null : Preprocessing.expectedBy(n, model.inputShape().get(0));
  }

  /** The declaration's trunk fields in order: the first segment of every vertex name. */
  List<String> fields() {
    Set<String> fields = new LinkedHashSet<>();
    for (VertexInfo v : model.vertices()) {
      fields.add(field(v.name()));
    }
    return new ArrayList<>(fields);
  }

  private static String field(String vertex) {
    int dot = vertex.indexOf('.');
    return dot < 0 ? vertex : vertex.substring(0, dot);
  }

  private List<String> frozenFields(String what) {
    List<String> fields = fields();
    List<String> trunk = fields.subList(0, fields.size() - 1);
    if (what.equals("trunk")) {
      return trunk;
    }
    int i = trunk.indexOf(what);
    if (i < 0) {
      throw new Failure(
          "--freeze: "
              + model.name()
              + " has no trunk field '"
              + what
              + "'; use trunk or one of "
              + String.join(", ", trunk));
    }
    return trunk.subList(0, i + 1);
  }

  @Override
  public ComputationGraph prepare(ComputationGraph fresh, LearningRateSchedule schedule) {
    ComputationGraph graph = fresh;
    if (weights != null) {
      try (WeightsFile f = WeightsFile.open(weights)) {
        NamingConvention names = keys != null ? keys : WeightLoader.detect(graph, f);
        loaded = new WeightLoader(model.name(), names).newHead(newHead).load(graph, f);
      } catch (WeightsException e) {
        throw new Failure(e.getMessage());
      }
      out.printf(
          Locale.ROOT,
          "weights: %d tensors from %s (%s names)%n",
          loaded.loaded(),
          weights,
          loaded.convention());
      for (String r : loaded.reinitialised()) {
        out.println("new head: re-initialised " + r);
      }
    }
    Set<String> head = WeightLoader.headVertices(graph);
    Set<String> frozenSet = new LinkedHashSet<>();
    if (freeze != null) {
      Set<String> fields = new LinkedHashSet<>(frozenFields(freeze));
      for (GraphVertex v : graph.getVertices()) {
        if (!v.isInputVertex() && fields.contains(field(v.getVertexName()))) {
          if (!v.hasLayer() && v.numParams() > 0) {
            throw new Failure(
                "--freeze: vertex "
                    + v.getVertexName()
                    + " has parameters outside a layer, which DL4J cannot freeze");
          }
          frozenSet.add(v.getVertexName());
        }
      }
      graph =
          new TransferLearning.GraphBuilder(graph)
              .setFeatureExtractor(frozenSet.toArray(String[]::new))
              .build();
      long params = 0;
      for (String v : frozenSet) {
        params += graph.getVertex(v).numParams();
      }
      List<String> fieldList = new ArrayList<>(fields);
      out.printf(
          Locale.ROOT,
          "frozen: %s (%d vertices, %,d parameters incl. running statistics); their batch norms use"
              + " running statistics%n",
          fieldList.size() == 1
              ? fieldList.get(0)
              : fieldList.get(0) + " ... " + fieldList.get(fieldList.size() - 1),
          frozenSet.size(),
          params);
    }
    frozen = List.copyOf(frozenSet);
    if (trunkLrScale != 1) {
      LearningRateSchedule scaled =
          new LearningRateSchedule(
              schedule.getKind(),
              schedule.getBaseLr() * trunkLrScale,
              schedule.getTotalIterations(),
              schedule.getWarmupIterations());
      int n = 0;
      for (GraphVertex v : graph.getVertices()) {
        String name = v.getVertexName();
        if (v.hasLayer()
            && v.numParams() > 0
            && !head.contains(name)
            && !frozenSet.contains(name)
            && v.getLayer().conf().getLayer() instanceof BaseLayer layer) {
          // ComputationGraph.setLearningRate(layer, schedule) fails in M2.1 (an NPE rebuilding the
          // updater's state); on a graph that has not trained yet, set the layer's own updater
          // configuration and build the updater afresh.
          IUpdater u = layer.getIUpdater().clone();
          u.setLrAndSchedule(Double.NaN, scaled);
          layer.setIUpdater(u);
          n++;
        }
      }
      graph.setUpdater(new ComputationGraphUpdater(graph));
      out.printf(
          Locale.ROOT,
          "trunk learning rate: %s x %s (%d layers)%n",
          trunkLrScale,
          schedule.getBaseLr(),
          n);
    }
    return graph;
  }
}
