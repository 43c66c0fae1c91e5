package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.skipwire.runtime.data.DataSplit;

class GradientHealthTest {

  private static Map<String, Double> norms(double... values) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      m.put("l" + i, values[i]);
    }
    return m;
  }

  @Test
  void vanishingWhenTheFirstTenthIsFarBelowTheLastTenth() {
    // 20 layers: the first two against the last two
    double[] v = new double[20];
    java.util.Arrays.fill(v, 0.1);
    v[0] = 1e-5;
    v[1] = 3e-5;
    v[18] = 0.02;
    v[19] = 0.02;
    assertEquals(
        Optional.of(
            "warning: vanishing gradients in epoch 3: the first layers' mean gradient norm 2.00e-05"
                + " (l0, l1) is 0.0010 of the last layers' 0.0200 (l18, l19), below 0.00100"),
        new GradientHealth().check(3, norms(v)));
    v[1] = 4e-5; // mean 2.5e-5: ratio 1.25e-3, above the threshold
    assertEquals(Optional.empty(), new GradientHealth().check(3, norms(v)));
  }

  @Test
  void explodingWhenANormIsHugeOrNotFinite() {
    assertEquals(
        Optional.of(
            "warning: exploding gradients in epoch 1: l1 has mean gradient norm 2.00e+03, above"
                + " 1.00e+03; try a lower learning rate or gradient clipping"),
        new GradientHealth().check(1, norms(0.5, 2000, 0.5)));
    assertTrue(new GradientHealth().check(1, norms(0.5, Double.NaN)).orElseThrow().contains("NaN"));
  }

  @Test
  void healthyNormsSayNothing() {
    assertEquals(Optional.empty(), new GradientHealth().check(1, norms(0.01, 0.1, 1, 0.3)));
    assertEquals(Optional.empty(), new GradientHealth().check(1, Map.of()));
  }

  @Test
  void theTrainerPrintsTheWarningAfterTheEpoch() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    TrainingPlan plan =
        TrainingPlan.builder()
            .epochs(1)
            .batch(50)
            .learningRate(0.05)
            .progress(Progress.QUIET)
            .build();
    DataSplit data = Tiny.data(plan, 100, 50);
    // a threshold no network meets: the first layer is always "below 1e9 x the last"
    new Trainer(plan, out)
        .gradientHealth(new GradientHealth(1e9, Double.POSITIVE_INFINITY))
        .train("tiny", () -> Tiny.graph(plan, 2), data.train(), data.test());
    String text = printed.toString(StandardCharsets.UTF_8);
    var lines = text.lines().toList();
    int epoch =
        lines.indexOf(
            lines.stream().filter(l -> l.startsWith("epoch   1")).findFirst().orElseThrow());
    assertTrue(
        lines
                .get(epoch + 1)
                .startsWith("warning: vanishing gradients in epoch 1: the first layers'")
            && lines.get(epoch + 1).contains("(conv)")
            && lines.get(epoch + 1).contains("(out)"),
        text);
    // with the defaults, the tiny network is healthy
    printed.reset();
    new Trainer(plan, out).train("tiny", () -> Tiny.graph(plan, 2), data.train(), data.test());
    assertTrue(!printed.toString(StandardCharsets.UTF_8).contains("warning:"), printed.toString());
  }
}
