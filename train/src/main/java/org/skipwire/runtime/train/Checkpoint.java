package org.skipwire.runtime.train;

import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A loaded checkpoint: the network with its updater state and counters, and its record.
 *
 * @param file the zip it came from
 */
public record Checkpoint(Path file, ComputationGraph graph, CheckpointInfo info) {}
