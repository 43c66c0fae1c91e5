package org.skipwire.runtime.onednn;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.skipwire.runtime.FastPath;

/**
 * The runtime's hook into this module, registered in {@code
 * META-INF/services/org.skipwire.runtime.FastPath}: {@link #init()} is {@link Backend#init()}
 * (libnd4j's oneDNN build and DL4J's layer helpers), {@link #install} is {@link
 * OneDnnLayers#install} (skipwire's oneDNN conv and batch-norm helpers), {@link #describe()} is
 * {@link Backend#active()}.
 */
public final class OneDnnFastPath implements FastPath {

  @Override
  public void init() {
    Backend.init();
  }

  @Override
  public int install(ComputationGraph graph) {
    return OneDnnLayers.install(graph);
  }

  @Override
  public String describe() {
    return Backend.active().toString();
  }
}
