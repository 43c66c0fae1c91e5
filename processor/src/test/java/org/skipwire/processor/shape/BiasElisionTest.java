package org.skipwire.processor.shape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.skipwire.Layer;
import org.skipwire.Loss;
import org.skipwire.Nonlinearity;
import org.skipwire.ShortcutKind;
import org.skipwire.processor.model.BatchNormSpec;
import org.skipwire.processor.model.Block;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.LayerStep;
import org.skipwire.processor.model.Network;
import org.skipwire.processor.model.Op;
import org.skipwire.processor.model.Origin;
import org.skipwire.processor.model.OutputSpec;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.StageStep;
import org.skipwire.processor.model.Step;
import org.skipwire.processor.model.Vertex;

/**
 * Which convolutions lose their bias: exactly those whose output reaches batch norm on every path
 * through ops that commute with a per-channel shift.
 */
class BiasElisionTest {

  private record Named(String name) implements Origin {
    @Override
    public Origin attribute(String attribute) {
      return new Named(name + "#" + attribute);
    }
  }

  private static Origin at(String name) {
    return new Named(name);
  }

  private static LayerStep conv(
      String name, int kernel, int stride, int filters, boolean bn, Nonlinearity act) {
    return new LayerStep(
        name,
        at(name),
        new Op.Conv(kernel, stride, filters, 0, -1, 1, at(name + "@Conv")),
        bn ? new BatchNormSpec(1.0, 1e-5, at(name + "@BatchNorm")) : null,
        act,
        at(name),
        null,
        null);
  }

  private static LayerStep layer(String name, Op op, boolean bn, Nonlinearity act) {
    return new LayerStep(
        name,
        at(name),
        op,
        bn ? new BatchNormSpec(1.0, 1e-5, at(name + "@BatchNorm")) : null,
        act,
        at(name),
        null,
        null);
  }

  private static LayerStep gap() {
    return layer("gap", new Op.GlobalAvgPool(at("gap")), false, null);
  }

  private static LayerStep output(int units) {
    return new LayerStep(
        "fc",
        at("fc"),
        new Op.Dense(units, 0, at("fc@Dense")),
        null,
        null,
        at("fc"),
        new OutputSpec(Loss.MCXENT, at("fc@Output")),
        null);
  }

  private static Graph graph(Shape input, Step... trunk) {
    GraphCheck.Result result =
        GraphCheck.check(
            new Network(
                "demo",
                "Net",
                "net",
                at("Net"),
                input,
                at("Net@Input"),
                new ArrayList<>(List.of(trunk))));
    assertEquals(List.of(), result.problems());
    return result.graph();
  }

  private static Vertex vertex(Graph graph, String name) {
    return graph.vertices().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
  }

  private static boolean hasBias(Graph graph, String name) {
    return ((GraphOp.Weighted) vertex(graph, name).op()).bias();
  }

  /** A pre-activation basic unit: BN, ReLU, conv twice. */
  private static Block preActBasic() {
    return new Block(
        "demo.PreAct",
        "PreAct",
        at("PreAct"),
        Connection.Residual.of(true, ShortcutKind.AUTO),
        List.of(
            conv("conv1", 3, Layer.STAGE, 0, true, Nonlinearity.RELU),
            conv("conv2", 3, 1, 0, true, Nonlinearity.RELU)));
  }

  private static StageStep stage(String name, int blocks, int width, int stride, Block block) {
    return new StageStep(
        name, at(name), at(name + "@Stage"), blocks, width, stride, 0, null, block);
  }

  @Test
  void preActivationResNet18WithTorchvisionsStemHasNoStemBias() {
    // The stem's max pool feeds the first unit's BN and its identity shortcut; everything the
    // shortcut chain reaches is normalised, so the stem convolution's bias could never matter.
    Graph graph =
        graph(
            Shape.image(3, 224, 224),
            conv("stem", 7, 2, 64, false, null),
            layer("pool", new Op.Pool(true, 3, 2, -1, at("pool@MaxPool")), false, null),
            stage("conv2", 2, 64, 1, preActBasic()),
            stage("conv3", 2, 128, 2, preActBasic()),
            stage("conv4", 2, 256, 2, preActBasic()),
            stage("conv5", 2, 512, 2, preActBasic()),
            layer("norm", null, true, Nonlinearity.RELU),
            gap(),
            output(1000));
    assertFalse(hasBias(graph, "stem"));
    // PyTorch, the same network with bias=False everywhere (bn, conv, conv per unit, bare 1x1
    // projections, final bn, fc):
    // sum(p.numel() for p in model.parameters()) == 11,687,720
    assertEquals(11_687_720L, graph.trainableParams());
  }

  @ParameterizedTest(name = "{0}: bias {1}")
  @CsvSource({
    "max pool padded, false",
    "max pool unpadded, false",
    "avg pool unpadded, false",
    "avg pool padded, true",
    "upsample, false",
    "relu, true",
    "conv, true",
  })
  void aBiasSurvivesOnlyOpsThatCommuteWithAPerChannelShift(String between, boolean bias) {
    Op op =
        switch (between) {
          case "max pool padded" -> new Op.Pool(true, 3, 1, 1, at("mid@MaxPool"));
          case "max pool unpadded" -> new Op.Pool(true, 2, 2, 0, at("mid@MaxPool"));
          case "avg pool unpadded" -> new Op.Pool(false, 2, 2, 0, at("mid@AvgPool"));
          case "avg pool padded" -> new Op.Pool(false, 3, 1, 1, at("mid@AvgPool"));
          case "upsample" -> new Op.Upsample(2, at("mid@Upsample"));
          case "conv" -> new Op.Conv(1, 1, 8, 0, 0, 1, at("mid@Conv"));
          default -> null;
        };
    LayerStep mid = layer("mid", op, false, op == null ? Nonlinearity.RELU : null);
    Graph graph =
        graph(
            Shape.image(3, 8, 8),
            conv("c", 3, 1, 8, false, null),
            mid,
            layer("norm", null, true, Nonlinearity.RELU),
            gap(),
            output(2));
    assertEquals(bias, hasBias(graph, "c"));
  }

  @Test
  void aBiasReadByBatchNormOnOnePathAndAnythingElseOnAnotherStays() {
    // Post-activation: the stem feeds the unit's first conv (not a norm) and the identity shortcut.
    Block post =
        new Block(
            "demo.Post",
            "Post",
            at("Post"),
            Connection.Residual.of(false, ShortcutKind.AUTO),
            List.of(conv("conv1", 3, 1, 0, true, null)));
    Graph graph =
        graph(
            Shape.image(3, 8, 8),
            conv("stem", 3, 1, 8, false, null),
            stage("s", 1, 8, 1, post),
            gap(),
            output(2));
    assertTrue(hasBias(graph, "stem"));
    assertFalse(hasBias(graph, "s.b0.conv1"));
  }
}
