package org.skipwire.processor.shape;

import java.util.Map;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.Origin;

/**
 * A network after lowering: its graph, and where the vertices that later passes report on were
 * declared (the graph itself holds no origins: the writer never needs them).
 *
 * @param lastSteps each {@code @LastStep} vertex's declaration, for the receptive-field pass
 */
record Lowered(Graph graph, Map<String, Site> lastSteps) {

  /**
   * Where a vertex was declared.
   *
   * @param trunkSite the trunk field it lies under, where a report goes when {@code origin} is in a
   *     block compiled elsewhere; null for a trunk layer
   */
  record Site(Origin origin, Origin trunkSite) {}

  Lowered {
    lastSteps = Map.copyOf(lastSteps);
  }

  /** The same declaration sites with another graph of the same vertices. */
  Lowered with(Graph newGraph) {
    return new Lowered(newGraph, lastSteps);
  }
}
