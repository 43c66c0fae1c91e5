package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.graph.MergeVertex;

/**
 * DL4J's {@link MergeVertex} (concatenation) whose copies keep their axis: DL4J 1.0.0-M2.1's {@code
 * MergeVertex.clone()} returns a vertex on the default axis 1, and its {@code equals} ignores the
 * axis, so a cloned channels-last configuration (batch-norm folding, lesions, a trainer's copy)
 * would concatenate along height. {@link org.skipwire.runtime.ChannelsLast} puts this one in, on
 * axis 3; the computation is DL4J's.
 */
public class AxisMergeVertex extends MergeVertex {
  private static final long serialVersionUID = 1L;

  /** For JSON; the axis is read with the rest of the vertex. */
  public AxisMergeVertex() {}

  /** Concatenates along {@code axis} (3: channels of an NHWC feature map). */
  public AxisMergeVertex(int axis) {
    setMergeAxis(axis);
    setModified(true);
  }

  @Override
  public AxisMergeVertex clone() {
    return new AxisMergeVertex(getMergeAxis());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AxisMergeVertex m && m.getMergeAxis() == getMergeAxis();
  }

  @Override
  public int hashCode() {
    return 31 * AxisMergeVertex.class.hashCode() + getMergeAxis();
  }

  @Override
  public String toString() {
    return "AxisMergeVertex(axis=" + getMergeAxis() + ")";
  }
}
