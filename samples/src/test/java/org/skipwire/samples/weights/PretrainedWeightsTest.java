package org.skipwire.samples.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.weights.NamingConvention;
import org.skipwire.runtime.weights.Npy;
import org.skipwire.runtime.weights.ParamSlot;
import org.skipwire.runtime.weights.Preprocessing;
import org.skipwire.runtime.weights.SafetensorsWriter;
import org.skipwire.runtime.weights.TensorInfo;
import org.skipwire.runtime.weights.TorchvisionNames;
import org.skipwire.runtime.weights.Transfer;
import org.skipwire.runtime.weights.WeightLoader;
import org.skipwire.runtime.weights.WeightsException;
import org.skipwire.runtime.weights.WeightsFile;
import org.skipwire.samples.zoo.CifarResNet20BGraph;
import org.skipwire.samples.zoo.MobileNetV2Graph;

/**
 * PyTorch's weights in, PyTorch's outputs out, without Python: the fixtures in {@code
 * src/test/resources/weights} were written once by {@code tools/torch/skipwire_torch.py fixtures}
 * (torchvision's BasicBlock CIFAR ResNet and MixedNet's PyTorch twin, random weights, running
 * statistics from training-mode passes), with PyTorch's probabilities for a fixed batch.
 */
class PretrainedWeightsTest {
  /** Float32 through two frameworks: well inside the 1e-3 bar of the full comparison. */
  private static final double LOG_P_TOLERANCE = 1e-4;

  /** MixedNet's PyTorch twin names its modules its own way: a convention in six rules. */
  static final NamingConvention MIXED =
      NamingConvention.named("mixed-torch")
          .rename("^stem\\.bn$", "stem_bn")
          .rename("^stem$", "stem_conv")
          .rename("^grouped\\.b0\\.(\\w+)\\.bn$", "block.{1}_bn")
          .rename("^grouped\\.b0\\.", "block.")
          .rename("^dense\\.b(\\d+)\\.(\\w+)\\.bn$", "dense.{1}.{2}_bn")
          .rename("^dense\\.b(\\d+)\\.", "dense.{1}.")
          .rename("^transition\\.bn$", "trans_bn")
          .rename("^transition$", "trans_conv")
          .rename("^norm\\.bn$", "norm")
          .rename("^fc$", "head")
          .build();

  @TempDir Path dir;

  static Path fixture(String name) {
    try {
      return Path.of(PretrainedWeightsTest.class.getResource("/weights/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static double maxLogDiff(INDArray p, INDArray q) {
    return Transforms.abs(Transforms.log(p, true).sub(Transforms.log(q, true)))
        .maxNumber()
        .doubleValue();
  }

  private static INDArray run(ComputationGraph g, String input) throws WeightsException {
    return g.outputSingle(false, Npy.read(fixture(input)));
  }

  @Test
  void cifarResNetFromBothFormatsGivesPyTorchsOutputs() throws IOException {
    INDArray torch = Npy.read(fixture("cifar-torch.npy"));
    for (String file : List.of("cifar-resnet20-b.pth", "cifar-resnet20-b.safetensors")) {
      ComputationGraph g = new CifarResNet20BGraph().create();
      try (WeightsFile f = WeightsFile.open(fixture(file))) {
        assertEquals(TorchvisionNames.RESNET, WeightLoader.detect(g, f));
        WeightLoader.Result r =
            new WeightLoader("cifar-resnet20-b", TorchvisionNames.RESNET).load(g, f);
        assertEquals(107, r.loaded());
      }
      double d = maxLogDiff(run(g, "cifar-input.npy"), torch);
      assertTrue(d < LOG_P_TOLERANCE, file + ": max |log p diff| " + d);
    }
  }

  /**
   * The zoo's mobilenet-v2 under {@link TorchvisionNames#MOBILENET_V2} has exactly torchvision's
   * state_dict keys, in its order, with PyTorch's shapes (depthwise kernels as {@code [C, 1, 3,
   * 3]}); the list was printed by torchvision (the command is in the file). Its outputs against
   * PyTorch's are measured by {@code tools/torch/skipwire_torch.py verify mobilenet-v2}.
   */
  @Test
  void mobileNetV2HasTorchvisionsKeysAndShapes() throws IOException {
    List<String> torchvision =
        Files.readAllLines(fixture("mobilenet_v2-keys.txt")).stream()
            .filter(l -> !l.startsWith("#"))
            .toList();
    List<String> skipwire =
        ParamSlot.of(new MobileNetV2Graph().create(), TorchvisionNames.MOBILENET_V2).stream()
            .map(s -> s.key() + " " + s.shapeText())
            .toList();
    assertEquals(String.join("\n", torchvision), String.join("\n", skipwire));
  }

  /** Grouped (4 groups) and depthwise kernels, a dense-connected stage, a transition. */
  @Test
  void groupedDepthwiseAndDenseFromBothFormatsGivePyTorchsOutputs() throws IOException {
    INDArray torch = Npy.read(fixture("mixed-torch.npy"));
    for (String file : List.of("weights-mixed.pth", "weights-mixed.safetensors")) {
      ComputationGraph g = new MixedNetGraph().create();
      try (WeightsFile f = WeightsFile.open(fixture(file))) {
        new WeightLoader("weights-mixed", MIXED).load(g, f);
      }
      double d = maxLogDiff(run(g, "mixed-input.npy"), torch);
      assertTrue(d < LOG_P_TOLERANCE, file + ": max |log p diff| " + d);
    }
  }

  /**
   * skipwire -> safetensors -> PyTorch: the script had skipwire export a fresh cifar-resnet20-b
   * (seed 7), loaded it into torchvision's layout with strict key checking, and recorded PyTorch's
   * outputs; the same export here gives the same outputs in skipwire.
   */
  @Test
  void anExportedNetworkGivesPyTorchTheSameOutputs() throws IOException {
    ComputationGraph fresh = new CifarResNet20BGraph().create(Training.defaults().withSeed(7));
    Path out = dir.resolve("export.safetensors");
    SafetensorsWriter.write(fresh, TorchvisionNames.RESNET, out);
    INDArray torch = Npy.read(fixture("cifar-export-torch.npy"));
    double d = maxLogDiff(run(fresh, "cifar-input.npy"), torch);
    assertTrue(d < LOG_P_TOLERANCE, "max |log p diff| " + d);
    ComputationGraph back = new CifarResNet20BGraph().create();
    try (WeightsFile f = WeightsFile.open(out)) {
      new WeightLoader("cifar-resnet20-b", TorchvisionNames.RESNET).load(back, f);
    }
    assertEquals(fresh.params(), back.params());
  }

  /** Every tensor written back equals the one read, transposes and variances included. */
  @Test
  void exportWritesBackTheValuesItRead() throws IOException {
    ComputationGraph g = new CifarResNet20BGraph().create();
    Path out = dir.resolve("again.safetensors");
    try (WeightsFile src = WeightsFile.open(fixture("cifar-resnet20-b.pth"))) {
      new WeightLoader("cifar-resnet20-b", TorchvisionNames.RESNET).load(g, src);
      SafetensorsWriter.write(g, TorchvisionNames.RESNET, out);
      try (WeightsFile back = WeightsFile.open(out)) {
        assertEquals(src.tensors().keySet(), back.tensors().keySet());
        for (TensorInfo t : src.tensors().values()) {
          assertEquals(t.shape(), back.tensors().get(t.name()).shape(), t.name());
          if (!t.dtype().floating()) {
            continue;
          }
          float[] a = src.readFloats(t.name());
          float[] b = back.readFloats(t.name());
          if (t.name().endsWith("running_var")) {
            for (int i = 0; i < a.length; i++) {
              assertEquals(a[i], b[i], 1e-6 * a[i], t.name()); // through log10 and back
            }
          } else {
            assertArrayEquals(a, b, t.name());
          }
        }
      }
    }
  }

  /**
   * Torchvision weights on RGB input expect ImageNet's normalisation; skipwire's own, the data's.
   */
  @Test
  void theNormalisationTheWeightsExpect() throws IOException {
    Transfer t = Transfer.of(new CifarResNet20BGraph()).weights(fixture("cifar-resnet20-b.pth"));
    assertEquals(TorchvisionNames.RESNET, t.names());
    assertEquals(Preprocessing.IMAGENET, t.preprocessing());
    assertEquals(List.of(0.485, 0.456, 0.406), t.preprocessing().mean());
    ComputationGraph g = new CifarResNet20BGraph().create();
    Path own = dir.resolve("own.safetensors");
    SafetensorsWriter.write(g, NamingConvention.SKIPWIRE, own);
    Transfer mine = Transfer.of(new CifarResNet20BGraph()).weights(own);
    assertEquals(NamingConvention.SKIPWIRE, mine.names());
    assertEquals(null, mine.preprocessing());
  }

  // ---- Load errors: one line, nothing loaded.

  /** The fixture's tensors, to rewrite into wrong files. */
  private static Map<String, Object[]> tensors(String file) throws IOException {
    Map<String, Object[]> m = new LinkedHashMap<>();
    try (WeightsFile f = WeightsFile.open(fixture(file))) {
      for (TensorInfo t : f.tensors().values()) {
        byte[] data;
        if (t.dtype().floating()) {
          float[] v = f.readFloats(t.name());
          ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
          b.asFloatBuffer().put(v);
          data = b.array();
          m.put(t.name(), new Object[] {"F32", t.shape(), data});
        } else {
          m.put(t.name(), new Object[] {"I64", t.shape(), new byte[8]});
        }
      }
    }
    return m;
  }

  static Path write(Path p, Map<String, Object[]> tensors) throws IOException {
    StringBuilder h = new StringBuilder("{");
    long off = 0;
    for (Map.Entry<String, Object[]> e : tensors.entrySet()) {
      byte[] d = (byte[]) e.getValue()[2];
      h.append('"')
          .append(e.getKey())
          .append("\":{\"dtype\":\"")
          .append(e.getValue()[0])
          .append("\",\"shape\":")
          .append(e.getValue()[1].toString().replace(" ", ""))
          .append(",\"data_offsets\":[")
          .append(off)
          .append(',')
          .append(off + d.length)
          .append("]},");
      off += d.length;
    }
    h.setCharAt(h.length() - 1, '}');
    byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b =
        ByteBuffer.allocate((int) (8 + json.length + off)).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json);
    for (Object[] v : tensors.values()) {
      b.put((byte[]) v[2]);
    }
    Files.write(p, b.array());
    return p;
  }

  /** Loads through the API: the message, with the graph checked unchanged. */
  private static String refused(Path file) {
    ComputationGraph g = new CifarResNet20BGraph().create();
    INDArray before = g.params().dup();
    WeightsException e =
        assertThrows(
            WeightsException.class,
            () -> {
              try (WeightsFile f = WeightsFile.open(file)) {
                new WeightLoader("cifar-resnet20-b", TorchvisionNames.RESNET).load(g, f);
              }
            });
    assertEquals(before, g.params(), "nothing loaded");
    assertTrue(!e.getMessage().contains("\n"));
    return e.getMessage();
  }

  @Test
  void aMissingKey() throws IOException {
    Map<String, Object[]> t = tensors("cifar-resnet20-b.safetensors");
    t.remove("layer2.0.conv1.weight");
    Path p = write(dir.resolve("missing.safetensors"), t);
    assertEquals(
        p
            + ": layer2.0.conv1.weight: missing from the file; cifar-resnet20-b declares [32, 16, 3, 3];"
            + " the file's keys look like conv1.weight",
        refused(p));
  }

  @Test
  void anUnexpectedKey() throws IOException {
    Map<String, Object[]> t = tensors("cifar-resnet20-b.safetensors");
    t.put("layer4.0.conv1.weight", new Object[] {"F32", List.of(2L), new byte[8]});
    Path p = write(dir.resolve("extra.safetensors"), t);
    assertEquals(
        p
            + ": layer4.0.conv1.weight: in the file (F32 [2]) but cifar-resnet20-b has no such parameter"
            + " under the torchvision-resnet names",
        refused(p));
  }

  @Test
  void aShapeThatDiffers() throws IOException {
    Map<String, Object[]> t = tensors("cifar-resnet20-b.safetensors");
    t.put(
        "layer3.0.conv1.weight",
        new Object[] {"F32", List.of(64L, 16L, 3L, 3L), new byte[4 * 64 * 16 * 9]});
    Path p = write(dir.resolve("shape.safetensors"), t);
    assertEquals(
        p
            + ": layer3.0.conv1.weight: file has [64, 16, 3, 3], cifar-resnet20-b declares [64, 32, 3, 3]",
        refused(p));
  }

  @Test
  void aTensorThatIsNotFloatingPoint() throws IOException {
    Map<String, Object[]> t = tensors("cifar-resnet20-b.safetensors");
    t.put("fc.bias", new Object[] {"I32", List.of(10L), new byte[40]});
    Path p = write(dir.resolve("int.safetensors"), t);
    assertEquals(p + ": fc.bias: dtype I32 is not floating point", refused(p));
  }

  @Test
  void aHeadOfAnotherShapeNeedsNewHead() throws IOException {
    Map<String, Object[]> t = tensors("cifar-resnet20-b.safetensors");
    t.put("fc.weight", new Object[] {"F32", List.of(5L, 64L), new byte[4 * 5 * 64]});
    t.put("fc.bias", new Object[] {"F32", List.of(5L), new byte[20]});
    Path p = write(dir.resolve("head.safetensors"), t);
    assertEquals(
        p
            + ": fc.weight: file has [5, 64], cifar-resnet20-b declares [10, 64]; to train a new output"
            + " layer, use --new-head (and 1 more problems)",
        refused(p));
    ComputationGraph g = new CifarResNet20BGraph().create();
    INDArray head = g.getLayer("fc").params().dup();
    INDArray stem = g.getLayer("stem").params().dup();
    try (WeightsFile f = WeightsFile.open(p)) {
      WeightLoader.Result r =
          new WeightLoader("cifar-resnet20-b", TorchvisionNames.RESNET).newHead(true).load(g, f);
      assertEquals(
          List.of("fc (file has [5, 64], cifar-resnet20-b declares [10, 64])"), r.reinitialised());
      assertEquals(105, r.loaded());
    }
    assertEquals(head, g.getLayer("fc").params());
    assertNotEquals(stem, g.getLayer("stem").params());
  }

  /** A file that changes under the loader after its checks: the graph is put back. */
  @Test
  void aFileTruncatedAfterItsChecksLeavesTheGraphAsItWas() throws IOException {
    Path p = dir.resolve("shrinking.safetensors");
    Files.copy(fixture("cifar-resnet20-b.safetensors"), p);
    ComputationGraph g = new CifarResNet20BGraph().create();
    INDArray before = g.params().dup();
    try (WeightsFile f = WeightsFile.open(p)) {
      try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(ch.size() / 2);
      }
      WeightsException e =
          assertThrows(
              WeightsException.class,
              () -> new WeightLoader("cifar-resnet20-b", TorchvisionNames.RESNET).load(g, f));
      assertTrue(e.getMessage().contains("cannot read its bytes"), e.getMessage());
    }
    assertEquals(before, g.params());
  }
}
