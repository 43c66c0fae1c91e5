package org.skipwire.runtime.onednn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.skipwire.runtime.ChannelsLast;
import org.skipwire.runtime.FastPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's hook into this module, registered in {@code
 * META-INF/services/org.skipwire.runtime.FastPath}: {@link #init()} is {@link Backend#init()}
 * (libnd4j's oneDNN build and DL4J's layer helpers), {@link #configure} the {@link ChannelsLast}
 * copy of an image network where {@link OneDnnLayers#channelsLast()}, {@link #install} is {@link
 * OneDnnLayers#install} (skipwire's oneDNN conv and batch-norm helpers), {@link #describe()} is
 * {@link Backend#active()}.
 */
public final class OneDnnFastPath implements FastPath {

  @Override
  public void init() {
    Backend.init();
  }

  private static final Logger log = LoggerFactory.getLogger(OneDnnFastPath.class);

  @Override
  public ComputationGraphConfiguration configure(
      ComputationGraphConfiguration conf, InputType... inputs) {
    if (!OneDnnLayers.channelsLast()) {
      return conf;
    }
    var refused = ChannelsLast.unsupported(conf, inputs);
    if (refused.isPresent()) {
      log.debug("stays channels-first: {}", refused.get());
      return conf;
    }
    return ChannelsLast.convert(conf, inputs);
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
