package org.skipwire.samples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.skipwire.runtime.Models;

/**
 * The benchmark's hand-wired twins are the generated graphs up to vertex names: same vertices with
 * the same settings, wired the same way. So the generated-versus-hand ratio the benchmark prints
 * can only differ from 1 by measurement noise, and the generator adds no cost.
 */
class HandWiredTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cifar-resnet20-b", "densenet-bc-100-12", "resnet50"})
  void handWiredTwinIsTheGeneratedGraphUpToNames(String name) {
    ComputationGraphConfiguration generated = Models.find(name).orElseThrow().configuration();
    ComputationGraphConfiguration hand = HandWired.of(name);
    assertNotNull(hand);
    assertEquals(generated.getVertices().size(), hand.getVertices().size(), "vertex count");
    assertEquals(1, generated.getNetworkOutputs().size());
    Map<String, String> names = new HashMap<>();
    match(
        generated,
        generated.getNetworkOutputs().get(0),
        hand,
        hand.getNetworkOutputs().get(0),
        names);
    assertEquals(
        generated.getVertices().size() + 1, names.size(), "every vertex and the input matched");
  }

  /** Walks both graphs from the given vertices towards the input, pairing vertices as it goes. */
  private static void match(
      ComputationGraphConfiguration g,
      String a,
      ComputationGraphConfiguration h,
      String b,
      Map<String, String> names) {
    String seen = names.putIfAbsent(a, b);
    if (seen != null) {
      assertEquals(seen, b, a + " reached from two places that disagree");
      return;
    }
    GraphVertex va = g.getVertices().get(a);
    GraphVertex vb = h.getVertices().get(b);
    if (va == null || vb == null) {
      assertEquals(
          g.getNetworkInputs().contains(a), h.getNetworkInputs().contains(b), a + " vs " + b);
      return;
    }
    assertEquals(settings(va), settings(vb), a + " vs " + b);
    List<String> ia = g.getVertexInputs().get(a);
    List<String> ib = h.getVertexInputs().get(b);
    assertEquals(ia.size(), ib.size(), a + " inputs");
    for (int i = 0; i < ia.size(); i++) {
      match(g, ia.get(i), h, ib.get(i), names);
    }
  }

  /** A vertex's configuration without its name, as text. */
  private static String settings(GraphVertex v) {
    if (v instanceof LayerVertex lv) {
      Layer layer = lv.getLayerConf().getLayer().clone();
      layer.setLayerName(null);
      return layer.toString();
    }
    return v.toString();
  }
}
