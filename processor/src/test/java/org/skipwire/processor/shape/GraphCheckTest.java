package org.skipwire.processor.shape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import org.skipwire.processor.diag.Message;
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

/** Shape inference and lowering on hand-built models: no compiler involved. */
class GraphCheckTest {

  /** A named stand-in for javac's elements. */
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
      String name,
      int kernel,
      int stride,
      int filters,
      int width,
      int padding,
      boolean bn,
      Nonlinearity act) {
    return new LayerStep(
        name,
        at(name),
        new Op.Conv(kernel, stride, filters, width, padding, 1, at(name + "@Conv")),
        bn ? new BatchNormSpec(1.0, 1e-5, at(name + "@BatchNorm")) : null,
        act,
        at(name),
        null,
        null);
  }

  private static LayerStep gap() {
    return new LayerStep(
        "gap", at("gap"), new Op.GlobalAvgPool(at("gap")), null, null, at("gap"), null, null);
  }

  private static LayerStep output(int units) {
    return new LayerStep(
        "out",
        at("out"),
        new Op.Dense(units, 0, at("out@Dense")),
        null,
        null,
        at("out"),
        new OutputSpec(Loss.MCXENT, at("out@Output")),
        null);
  }

  private static Block basic(ShortcutKind kind) {
    return new Block(
        "demo.Basic",
        "Basic",
        at("Basic"),
        Connection.Residual.of(false, kind),
        List.of(
            conv("conv1", 3, Layer.STAGE, 0, 0, -1, true, Nonlinearity.RELU),
            conv("conv2", 3, 1, 0, 0, -1, true, null)));
  }

  private static Network network(Shape input, Step... trunk) {
    List<Step> steps = new ArrayList<>(List.of(trunk));
    return new Network("demo", "Net", "net", at("Net"), input, at("Net@Input"), steps);
  }

  private static StageStep stage(
      String name, int blocks, int width, int stride, ShortcutKind kind, Block block) {
    return new StageStep(
        name, at(name), at(name + "@Stage"), blocks, width, stride, 0, kind, block);
  }

  @ParameterizedTest(name = "[{0},{0}] k{1} s{2} p{3} -> {4}")
  @CsvSource({
    "224, 7, 2, 3, 112",
    "112, 3, 2, 1, 56",
    "56, 3, 1, 1, 56",
    "56, 1, 2, 0, 28",
    "7, 3, 2, 1, 4",
    "32, 3, 2, 0, 15",
    "5, 5, 1, 0, 1",
  })
  void convolutionOutputIsFloorOfPaddedInputMinusKernelOverStridePlusOne(
      int in, int kernel, int stride, int padding, int expected) {
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(3, in, in),
                    conv("c", kernel, stride, 8, 0, padding, false, null),
                    gap(),
                    output(2)))
            .graph();
    Vertex c = graph.vertices().get(0);
    assertEquals(Shape.image(8, expected, expected), c.shape());
  }

  /** A transposed convolution's activation is applied once: in its layer, or after its norm. */
  @ParameterizedTest(name = "batch norm {0}")
  @CsvSource({"false", "true"})
  void aTransposedConvolutionsActivationIsAppliedOnce(boolean bn) {
    LayerStep up =
        new LayerStep(
            "up",
            at("up"),
            new Op.TransposedConv(2, 2, 4, 0, 0, at("up@TransposedConv")),
            bn ? new BatchNormSpec(1.0, 1e-5, at("up@BatchNorm")) : null,
            Nonlinearity.SIGMOID,
            at("up@Activation"),
            null,
            null);
    Graph graph = GraphCheck.check(network(Shape.image(3, 4, 4), up, gap(), output(2))).graph();
    long sigmoids =
        graph.vertices().stream()
            .filter(
                v ->
                    v.op() instanceof GraphOp.Activation a && a.fn() == Nonlinearity.SIGMOID
                        || v.op() instanceof GraphOp.TransposedConv t
                            && t.activation() == Nonlinearity.SIGMOID)
            .count();
    assertEquals(1, sigmoids, graph.vertices().toString());
  }

  @ParameterizedTest(name = "{0} -> {1}: stride {2}")
  @CsvSource({
    "56, 56, 1",
    "56, 28, 2",
    "7, 4, 2",
    "9, 3, 3",
    "56, 27, -1",
  })
  void shortcutStrideIsTheOneThatMapsHeightAndWidthExactly(int from, int to, int stride) {
    assertEquals(stride, Extent.strideBetween(Shape.image(1, from, from), Shape.image(1, to, to)));
  }

  @Test
  void projectionShortcutAppearsOnlyWhereTheShapeChanges() {
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(16, 8, 8),
                    stage("s", 2, 32, 2, null, basic(ShortcutKind.AUTO)),
                    gap(),
                    output(10)))
            .graph();
    List<String> names = graph.vertices().stream().map(Vertex::name).toList();
    assertTrue(names.contains("s.b0.shortcut"));
    assertTrue(names.contains("s.b0.shortcut.bn"));
    assertFalse(names.contains("s.b1.shortcut"));
    Vertex projection = graph.vertices().get(names.indexOf("s.b0.shortcut"));
    assertEquals(new GraphOp.Conv(1, 2, 0, 16, 32, false, Nonlinearity.IDENTITY), projection.op());
    assertEquals(16 * 32, projection.params());
    Vertex add = graph.vertices().get(names.indexOf("s.b0.add"));
    assertEquals(List.of("s.b0.conv2.bn", "s.b0.shortcut.bn"), add.inputs());
    assertEquals(
        List.of("s.b0.relu"),
        graph.vertices().get(names.indexOf("s.b1.add")).inputs().subList(1, 2));
  }

  @Test
  void zeroPadShortcutSubsamplesAndPadsWithoutParameters() {
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(16, 8, 8),
                    stage("s", 1, 32, 2, ShortcutKind.ZERO_PAD, basic(ShortcutKind.AUTO)),
                    gap(),
                    output(10)))
            .graph();
    Vertex shortcut =
        graph.vertices().stream()
            .filter(v -> v.name().equals("s.b0.shortcut"))
            .findFirst()
            .orElseThrow();
    assertEquals(new GraphOp.ZeroPad(2, 16), shortcut.op());
    assertEquals(Shape.image(32, 4, 4), shortcut.shape());
    assertEquals(0, shortcut.params());
  }

  @Test
  void basicBlockCountsMatchTheHandCount() {
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(64, 56, 56),
                    stage("conv3", 1, 128, 2, null, basic(ShortcutKind.PROJECTION)),
                    gap(),
                    output(10)))
            .graph();
    // conv1 64->128 3x3, conv2 128->128 3x3, projection 64->128 1x1; three BNs of 128; fc 128->10.
    long weights = 9 * 64 * 128 + 9 * 128 * 128 + 64 * 128 + 128 * 10 + 10;
    assertEquals(weights + 3 * 2 * 128, graph.trainableParams());
    assertEquals(weights + 3 * 4 * 128, graph.totalParams());
  }

  @Test
  void identityShortcutAcrossAShapeChangeNamesBothShapesAtTheStage() {
    StageStep down = stage("down", 1, 16, 2, null, basic(ShortcutKind.IDENTITY));
    GraphCheck.Result result =
        GraphCheck.check(network(Shape.image(8, 8, 8), down, gap(), output(2)));
    assertNull(result.graph());
    assertEquals(1, result.problems().size());
    assertEquals(Message.IDENTITY_SHORTCUT, result.problems().get(0).message());
    assertEquals(
        "[skipwire/identity-shortcut] down.b0: identity shortcut cannot carry [8, 8, 8] to "
            + "[16, 4, 4]; use @Shortcut(PROJECTION) or ZERO_PAD",
        result.problems().get(0).text());
    assertSame(down.origin(), result.problems().get(0).origin());
  }

  @Test
  void stageStrideAppliesToTheFirstBlockOnly() {
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(16, 32, 32),
                    stage("s", 3, 16, 2, null, basic(ShortcutKind.AUTO)),
                    gap(),
                    output(2)))
            .graph();
    List<Graph.BlockRun> blocks = graph.sections().get(0).blocks();
    assertEquals(3, blocks.size());
    assertEquals(new Shape(16, 16, 16), blocks.get(0).vertices().get(0).shape());
    assertEquals(new Shape(16, 16, 16), blocks.get(2).vertices().get(0).shape());
    assertEquals(
        "s.b0: Basic, [16, 32, 32] -> [16, 16, 16], projection shortcut", blocks.get(0).note());
    assertEquals(
        "s.b1: Basic, [16, 16, 16] -> [16, 16, 16], identity shortcut", blocks.get(1).note());
  }

  @Test
  void convolutionKeepsItsBiasOnlyWhereNoBatchNormNormalisesIt() {
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(3, 8, 8),
                    conv("plain", 3, 1, 8, 0, -1, false, Nonlinearity.RELU),
                    conv("normed", 3, 1, 8, 0, -1, true, Nonlinearity.RELU),
                    gap(),
                    output(2)))
            .graph();
    assertEquals(
        new GraphOp.Conv(3, 1, 1, 3, 8, true, Nonlinearity.RELU), graph.vertices().get(0).op());
    assertEquals(9 * 3 * 8 + 8, graph.vertices().get(0).params());
    assertEquals(
        new GraphOp.Conv(3, 1, 1, 8, 8, false, Nonlinearity.IDENTITY),
        graph.vertices().get(1).op());
  }

  @Test
  void widthMultipliesTheStageWidth() {
    Block bottleneck =
        new Block(
            "demo.B",
            "B",
            at("B"),
            Connection.Residual.of(false, ShortcutKind.AUTO),
            List.of(
                conv("reduce", 1, 1, 0, 0, -1, true, Nonlinearity.RELU),
                conv("expand", 1, 1, 0, 4, -1, true, null)));
    Graph graph =
        GraphCheck.check(
                network(
                    Shape.image(64, 8, 8),
                    stage("s", 1, 64, 1, null, bottleneck),
                    gap(),
                    output(2)))
            .graph();
    assertEquals(Shape.image(256, 8, 8), graph.sections().get(0).out());
  }

  @Test
  void kernelLargerThanThePaddedInputStopsInferenceWithOneProblem() {
    GraphCheck.Result result =
        GraphCheck.check(
            network(
                Shape.image(1, 4, 4),
                conv("big", 7, 1, 4, 0, 1, false, null),
                conv("next", 9, 1, 4, 0, 0, false, null),
                gap(),
                output(2)));
    assertEquals(1, result.problems().size());
    assertEquals(Message.KERNEL_TOO_LARGE, result.problems().get(0).message());
    assertEquals(new Named("big@Conv#kernel"), result.problems().get(0).origin());
  }

  @Test
  void denseAfterAFeatureMapFlattensIt() {
    Graph graph = GraphCheck.check(network(Shape.image(2, 3, 3), output(5))).graph();
    assertEquals(
        new GraphOp.Output(18, 5, Nonlinearity.SOFTMAX, Loss.MCXENT), graph.vertices().get(0).op());
    assertEquals(18 * 5 + 5, graph.totalParams());
  }

  @Test
  void aBlockWithoutShortcutAndAnIdentitySumActivationEndsLinear() {
    Block linear =
        new Block(
            "demo.Linear",
            "Linear",
            at("Linear"),
            new Connection.Residual(
                false, ShortcutKind.NONE, null, Connection.Mix.SUM, Nonlinearity.IDENTITY),
            List.of(
                conv("expand", 1, 1, 0, 2, -1, true, Nonlinearity.RELU),
                conv("project", 1, 1, 0, 1, -1, true, null)));
    Graph graph =
        GraphCheck.check(
                network(Shape.image(8, 4, 4), stage("s", 1, 16, 1, null, linear), gap(), output(2)))
            .graph();
    List<String> names = graph.vertices().stream().map(Vertex::name).toList();
    assertEquals("s.b0.project.bn", names.get(names.indexOf("gap") - 1));
    assertFalse(names.contains("s.b0.relu"));
    // The same block with the default ReLU after the sum keeps it without the sum.
    Block relu =
        new Block(
            "demo.Relu",
            "Relu",
            at("Relu"),
            Connection.Residual.of(false, ShortcutKind.NONE),
            linear.body());
    Graph plain =
        GraphCheck.check(
                network(Shape.image(8, 4, 4), stage("s", 1, 16, 1, null, relu), gap(), output(2)))
            .graph();
    assertTrue(plain.vertices().stream().anyMatch(v -> v.name().equals("s.b0.relu")));
  }
}
