package org.skipwire.samples.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.weights.Npy;
import org.skipwire.runtime.weights.TorchvisionNames;
import org.skipwire.runtime.weights.WeightLoader;
import org.skipwire.runtime.weights.WeightsFile;
import org.skipwire.samples.zoo.ResNet18Graph;

/**
 * torchvision's resnet18 (random weights, running statistics populated) against skipwire, when
 * {@code /usr/bin/python3} imports torch and torchvision; skipped, and says so, otherwise. The
 * other networks are in {@code tools/torch/skipwire_torch.py verify} (README, Pretrained weights).
 */
class TorchvisionComparisonTest {
  private static final String PYTHON = "/usr/bin/python3";

  @TempDir Path dir;

  private static int exec(Path log, String... cmd) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  @Test
  void resnet18MatchesTorchvision() throws Exception {
    Path log = dir.resolve("python.log");
    boolean torch =
        Files.isExecutable(Path.of(PYTHON))
            && exec(log, PYTHON, "-c", "import torch, torchvision") == 0;
    if (!torch) {
      System.out.println(
          "TorchvisionComparisonTest skipped: " + PYTHON + " cannot import torch and torchvision");
    }
    Assumptions.assumeTrue(
        torch, PYTHON + " cannot import torch and torchvision: comparison skipped");
    Path script = Path.of("..", "tools", "torch", "skipwire_torch.py").toAbsolutePath().normalize();
    assertEquals(
        0,
        exec(log, PYTHON, script.toString(), "make", "resnet18", dir.toString()),
        () -> read(log));
    INDArray input = Npy.read(dir.resolve("input.npy"));
    INDArray reference = Npy.read(dir.resolve("torch.npy"));
    for (String file : List.of("resnet18.pth", "resnet18.safetensors")) {
      ComputationGraph g = new ResNet18Graph().create();
      try (WeightsFile f = WeightsFile.open(dir.resolve(file))) {
        new WeightLoader("resnet18", TorchvisionNames.RESNET).load(g, f);
      }
      double d = PretrainedWeightsTest.maxLogDiff(g.outputSingle(false, input), reference);
      System.out.printf("resnet18 %s: max |log p_skipwire - log p_torch| = %.2e%n", file, d);
      assertTrue(d <= 1e-3, file + ": " + d);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
