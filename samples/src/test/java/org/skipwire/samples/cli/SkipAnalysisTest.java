package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.train.Blocks;
import org.skipwire.runtime.train.Lesions;
import org.skipwire.runtime.train.SkipUsage;
import org.skipwire.runtime.train.SkipUsageListener;

/** Lesions, skip usage and {@code inspect} on generated networks with known branches. */
class SkipAnalysisTest {
  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  private static SkipwireModel model(String name) {
    return Models.find(name).orElseThrow();
  }

  private static Blocks.Block block(List<Blocks.Block> blocks, String name) {
    return blocks.stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
  }

  /** Makes a block's last batch norm output {@code beta} everywhere: gamma 0. */
  private static void constantBranch(ComputationGraph g, String bn, double beta) {
    g.getVertex(bn).paramTable(false).get("gamma").assign(0);
    g.getVertex(bn).paramTable(false).get("beta").assign(beta);
  }

  private static INDArray images(int n) {
    Nd4j.getRandom().setSeed(7);
    return Nd4j.rand(DataType.FLOAT, n, 1, 28, 28);
  }

  @Test
  void residualBlocksComeFromTheVertexTable() {
    List<Blocks.Block> blocks = Blocks.residual(model("fashion-resnet").vertices());
    assertEquals(
        List.of("stage1.b0", "stage2.b0", "stage3.b0"),
        blocks.stream().map(Blocks.Block::name).toList());
    Blocks.Block b = blocks.get(1);
    assertEquals("stage2.b0.conv2.bn", b.branch());
    assertEquals("stage2.b0.shortcut.bn", b.shortcut());
    assertEquals("stage2.b0.add", b.sum());
    assertEquals("stage1.b0.relu", b.input());
    assertEquals("stage2.b0.relu", b.output());
    assertEquals(
        "stage1.b0.rezero", Blocks.residual(model("rezero-resnet20").vertices()).get(0).branch());
    assertEquals(List.of(), Blocks.residual(model("fashion-plain").vertices()));
    assertEquals(List.of(), Blocks.residual(model("densenet-bc-100-12").vertices()));
  }

  @Test
  void deletingABlockWhoseBranchIsZeroChangesNothing() {
    SkipwireModel m = model("fashion-resnet");
    ComputationGraph g = m.create();
    constantBranch(g, "stage1.b0.conv2.bn", 0);
    List<Blocks.Block> blocks = Blocks.residual(m.vertices());
    INDArray x = images(8);
    INDArray intact = g.outputSingle(false, x);

    INDArray lesioned =
        Lesions.without(g, List.of(block(blocks, "stage1.b0"))).outputSingle(false, x);
    assertArrayEquals(intact.ravel().toFloatVector(), lesioned.ravel().toFloatVector(), 1e-6f);

    INDArray other = Lesions.without(g, List.of(block(blocks, "stage3.b0"))).outputSingle(false, x);
    assertTrue(
        Transforms.abs(other.sub(intact)).maxNumber().doubleValue() > 1e-3,
        "a live branch matters");
    assertArrayEquals(
        intact.ravel().toFloatVector(),
        g.outputSingle(false, x).ravel().toFloatVector(),
        "the original is untouched");
  }

  @Test
  void aPlainBlockIsDeletedOnlyWhereItKeepsTheShape() {
    SkipwireModel m = model("fashion-plain");
    List<Blocks.Block> blocks = Blocks.plain(m.vertices());
    assertEquals(
        List.of("stage1.b0", "stage2.b0", "stage3.b0"),
        blocks.stream().map(Blocks.Block::name).toList());
    assertEquals(
        List.of(true, false, false), blocks.stream().map(Blocks.Block::deletable).toList());
    ComputationGraph g = m.create();
    INDArray x = images(4);
    INDArray without = Lesions.without(g, List.of(blocks.get(0))).outputSingle(false, x);
    assertEquals(10, without.size(1));
    // fashion-plain20: seven of nine blocks keep the shape; deleting neighbours together works
    List<Blocks.Block> twenty = Blocks.plain(model("fashion-plain20").vertices());
    assertEquals(7, twenty.stream().filter(Blocks.Block::deletable).count());
    ComputationGraph p20 = model("fashion-plain20").create();
    List<Blocks.Block> neighbours = List.of(twenty.get(1), twenty.get(0), twenty.get(2));
    assertEquals(10, Lesions.without(p20, neighbours).outputSingle(false, x).size(1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Lesions.without(g, List.of(blocks.get(1))));
    assertEquals(
        "stage2.b0 cannot be deleted: it maps [16, 28, 28] to [32, 14, 14]", e.getMessage());
  }

  @Test
  void usageOfABlockWithAKnownBranch() {
    SkipwireModel m = model("fashion-resnet");
    ComputationGraph g = m.create();
    constantBranch(g, "stage1.b0.conv2.bn", 0.5); // F(x) = 0.5 at all 16 x 28 x 28 positions
    constantBranch(g, "stage3.b0.conv2.bn", 0); // F(x) = 0
    INDArray x = images(6);
    // By declared name: on the fast path the stem's ReLU is merged into its batch norm.
    INDArray shortcut =
        ActivationFusion.byDeclaredName(g.getConfiguration(), g.feedForward(x, false))
            .get("stem.relu");
    double expected = 0;
    for (int i = 0; i < 6; i++) {
      expected += 0.5 * Math.sqrt(16 * 28 * 28) / shortcut.slice(i).norm2Number().doubleValue();
    }
    expected /= 6;

    SkipUsageListener listener = new SkipUsageListener(new SkipUsage(m.vertices()), x);
    listener.onEpochEnd(g);
    Map<String, Double> measured = listener.history().get(0);
    assertEquals(
        List.of("stage1.b0 |F|/|x|", "stage2.b0 |F|/|x|", "stage3.b0 |F|/|x|"),
        List.copyOf(measured.keySet()));
    assertEquals(expected, measured.get("stage1.b0 |F|/|x|"), 1e-4 * expected);
    assertEquals(0.0, measured.get("stage3.b0 |F|/|x|"));
  }

  @Test
  void usageReadsReZeroAlphasAndHighwayGates() {
    SkipwireModel rezero = model("rezero-resnet20");
    ComputationGraph r = rezero.create();
    r.getVertex("stage2.b1.rezero").paramTable(false).get("alpha").assign(0.25);
    Map<String, Double> m =
        new SkipUsage(rezero.vertices()).measure(r, Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
    assertEquals(0.25, m.get("stage2.b1.rezero alpha"), 1e-7);
    assertEquals(0.0, m.get("stage1.b0.rezero alpha"));
    assertEquals(0.0, m.get("stage1.b0 |F|/|x|"), "alpha 0 adds nothing");

    SkipwireModel highway = model("highway-mlp");
    ComputationGraph h = highway.create();
    h.getVertex("highway.b3.gate").paramTable(false).get("WT").assign(0);
    h.getVertex("highway.b3.gate").paramTable(false).get("bT").assign(1.5);
    Map<String, Double> gates =
        new SkipUsage(highway.vertices()).measure(h, Nd4j.rand(DataType.FLOAT, 5, 784));
    assertEquals(10, gates.size());
    assertEquals(1 / (1 + Math.exp(-1.5)), gates.get("highway.b3.gate T"), 1e-5);
    assertTrue(new SkipUsage(model("fashion-plain").vertices()).isEmpty());
  }

  private Path train(String model) {
    Path d = dir.resolve(model);
    Run r =
        run(
            "train",
            "--model",
            model,
            "--epochs",
            "1",
            "--limit",
            "256",
            "--quiet",
            "--checkpoint-dir",
            d.toString());
    assertEquals(0, r.status(), r.err());
    return d;
  }

  @Test
  void lesionAndInspectOnTrainedNetworks() throws Exception {
    Path resnet = train("fashion-resnet");
    assertTrue(Files.isRegularFile(resnet.resolve("skip-usage.png")), "plotted per epoch");
    Path plain = train("fashion-plain");

    Run refused = run("lesion", "--checkpoint", plain.toString());
    assertEquals(2, refused.status());
    assertEquals(
        List.of(
            "skipwire: fashion-plain has no residual blocks (no sum of a branch and a shortcut), so"
                + " there is nothing to delete; give a plain network as --twin of a residual one"),
        refused.err().lines().toList());

    Run r =
        run(
            "lesion",
            "--checkpoint",
            resnet.resolve("checkpoint.zip").toString(),
            "--twin",
            plain.toString(),
            "--draws",
            "2",
            "--limit",
            "100",
            "--out",
            dir.toString());
    assertEquals(0, r.status(), r.err());
    String out = r.out();
    assertTrue(
        out.contains("fashion-resnet (" + resnet.resolve("checkpoint.zip") + "): test accuracy "),
        out);
    assertTrue(out.contains("on 100 test examples"), out);
    for (String b : List.of("  stage1.b0 ", "  stage2.b0 ", "  stage3.b0 ", "  k = 3 ")) {
      assertTrue(out.contains(b), b + " in\n" + out);
    }
    assertTrue(
        out.contains("  stage2.b0 (changes [16, 28, 28] to [32, 14, 14])  cannot be deleted"), out);
    assertTrue(Files.isRegularFile(dir.resolve("lesion.png")));

    Run inspect = run("inspect", "--checkpoint", resnet.toString());
    assertEquals(0, inspect.status(), inspect.err());
    assertTrue(inspect.out().startsWith("fashion-resnet ("), inspect.out());
    assertTrue(inspect.out().contains("  stage3.b0 |F|/|x|  "), inspect.out());
    Run none = run("inspect", "--checkpoint", plain.toString());
    assertEquals(
        List.of(
            "skipwire: fashion-plain has no residual blocks, highway layers or learned skip scalars to inspect"),
        none.err().lines().toList());
    Run missing = run("lesion", "--checkpoint", dir.resolve("nothing").toString());
    assertEquals(
        List.of("skipwire: " + dir.resolve("nothing") + ": no checkpoint"),
        missing.err().lines().toList());
    assertFalse(missing.status() == 0);
  }
}
