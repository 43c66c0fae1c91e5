package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.weights.Npy;

/** {@code skipwire infer} and {@code export}: PyTorch's outputs, and one line for each bad file. */
class InferCommandTest {
  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(InferCommandTest.class.getResource("/weights/" + name).toURI());
  }

  private Run infer(Path weights) throws URISyntaxException {
    return run(
        "infer",
        "--model",
        "cifar-resnet20-b",
        "--weights",
        weights.toString(),
        "--input",
        fixture("cifar-input.npy").toString(),
        "--output",
        dir.resolve("out.npy").toString());
  }

  /** A refused file: status 2, one line on stderr, no output file. */
  private void refused(Path weights, String message) throws URISyntaxException {
    Run r = infer(weights);
    assertEquals(2, r.status(), r.err());
    assertEquals("skipwire: " + message + System.lineSeparator(), r.err());
    assertFalse(Files.exists(dir.resolve("out.npy")));
  }

  @Test
  void infersPyTorchsProbabilities() throws Exception {
    Run r = infer(fixture("cifar-resnet20-b.pth"));
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().startsWith("cifar-resnet20-b: 107 tensors from "), r.out());
    INDArray ours = Npy.read(dir.resolve("out.npy"));
    INDArray torch = Npy.read(fixture("cifar-torch.npy"));
    double d =
        Transforms.abs(Transforms.log(ours).sub(Transforms.log(torch))).maxNumber().doubleValue();
    assertTrue(d < 1e-4, "max |log p diff| " + d);
  }

  @Test
  void exportsUnderTorchvisionNames() throws Exception {
    Path out = dir.resolve("cifar.safetensors");
    Run r =
        run(
            "export",
            "--model",
            "cifar-resnet20-b",
            "--weights",
            fixture("cifar-resnet20-b.pth").toString(),
            "--output",
            out.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals(
        "cifar-resnet20-b: wrote 128 tensors to "
            + out
            + " (torchvision-resnet names)"
            + System.lineSeparator(),
        r.out());
    Run back = infer(out);
    assertEquals(0, back.status(), back.err());
  }

  @Test
  void aTruncatedPth() throws Exception {
    Path p = dir.resolve("cut.pth");
    byte[] all = Files.readAllBytes(fixture("cifar-resnet20-b.pth"));
    Files.write(p, java.util.Arrays.copyOf(all, all.length / 2));
    Run r = infer(p);
    assertEquals(2, r.status());
    assertTrue(r.err().startsWith("skipwire: " + p + ": not a readable zip ("), r.err());
    assertEquals(1, r.err().lines().count());
  }

  @Test
  void aHeaderThatLiesAboutOffsets() throws Exception {
    Path p = dir.resolve("lies.safetensors");
    byte[] all = Files.readAllBytes(fixture("cifar-resnet20-b.safetensors"));
    String text = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1);
    // The first tensor's span grows by 2 bytes into its neighbour's, the JSON keeping its length.
    int at = text.indexOf("\"data_offsets\":[0,");
    int end = text.indexOf(']', at);
    String span = text.substring(at, end);
    long stop = Long.parseLong(span.substring(span.indexOf(',') + 1));
    String lie = "\"data_offsets\":[0," + (stop + 2);
    String patched = text.substring(0, at) + lie + text.substring(end);
    patched = patched.replaceFirst(" {" + (lie.length() - span.length()) + "}$", "");
    Files.write(p, patched.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    Run r = infer(p);
    assertEquals(2, r.status());
    assertTrue(r.err().startsWith("skipwire: " + p + ": "), r.err());
    assertTrue(r.err().contains("data_offsets [0, " + (stop + 2) + "] span"), r.err());
    assertEquals(1, r.err().lines().count());
  }

  @Test
  void notAWeightsFile() throws Exception {
    Path p = dir.resolve("readme.pth");
    Files.writeString(p, "hello");
    refused(
        p,
        p + ": neither a safetensors file nor a torch.save zip (starts with bytes 68 65 6c 6c 6f)");
  }

  @Test
  void aPickleWithAForeignGlobal() throws Exception {
    Path p = dir.resolve("evil.pth");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      z.putNextEntry(new ZipEntry("evil/data.pkl"));
      z.write(
          new byte[] {
            (byte) 0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', '.'
          });
    }
    refused(
        p,
        p
            + ": evil/data.pkl: global os.system is not one a state_dict uses; refused, nothing was executed (byte 2)");
  }

  @Test
  void weightsOfAnotherNetwork() throws Exception {
    Run r = infer(fixture("weights-mixed.safetensors"));
    assertEquals(2, r.status());
    assertEquals(1, r.err().lines().count());
    assertTrue(r.err().contains("missing from the file; cifar-resnet20-b declares"), r.err());
  }

  @Test
  void anInputOfTheWrongShapeAndUnknownKeys() throws Exception {
    Run r =
        run(
            "infer",
            "--model",
            "resnet18",
            "--weights",
            fixture("cifar-resnet20-b.pth").toString(),
            "--input",
            fixture("cifar-input.npy").toString(),
            "--output",
            dir.resolve("o.npy").toString());
    assertEquals(2, r.status());
    assertEquals(
        "skipwire: "
            + fixture("cifar-input.npy")
            + ": shape [2, 3, 32, 32], but resnet18 takes [N, 3, 224, 224]"
            + System.lineSeparator(),
        r.err());
    Run k =
        run(
            "infer",
            "--model",
            "cifar-resnet20-b",
            "--keys",
            "timm",
            "--weights",
            fixture("cifar-resnet20-b.pth").toString(),
            "--input",
            fixture("cifar-input.npy").toString(),
            "--output",
            dir.resolve("o.npy").toString());
    assertEquals(2, k.status());
    assertEquals(
        "skipwire: --keys: unknown names 'timm'; use one of skipwire, torchvision-resnet, torchvision-densenet,"
            + " torchvision-mobilenet-v2"
            + System.lineSeparator(),
        k.err());
  }

  @Test
  void trainFromWeightsOfAnotherNetworkIsOneLine() throws Exception {
    Path runs = dir.resolve("runs");
    Run r =
        run(
            "train",
            "--model",
            "fashion-resnet",
            "--epochs",
            "1",
            "--limit",
            "64",
            "--quiet",
            "--checkpoint-dir",
            runs.toString(),
            "--weights",
            fixture("cifar-resnet20-b.pth").toString());
    assertEquals(2, r.status(), r.err());
    assertEquals(
        "skipwire: "
            + fixture("cifar-resnet20-b.pth")
            + ": conv1.weight: file has [16, 3, 3, 3], fashion-resnet"
            + " declares [16, 1, 3, 3] (and 60 more problems)"
            + System.lineSeparator(),
        r.err());
    assertFalse(Files.exists(runs.resolve("checkpoint.zip")));
    Run f = run("train", "--model", "fashion-resnet", "--freeze", "conv9");
    assertEquals(2, f.status());
    assertEquals(
        "skipwire: --freeze: fashion-resnet has no trunk field 'conv9'; use trunk or one of stem, stage1,"
            + " stage2, stage3, avgpool"
            + System.lineSeparator(),
        f.err());
    Run h = run("train", "--model", "fashion-resnet", "--new-head");
    assertEquals("skipwire: --new-head needs --weights" + System.lineSeparator(), h.err());
  }
}
