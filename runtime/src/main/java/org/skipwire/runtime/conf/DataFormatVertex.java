package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.nd4j.shade.jackson.annotation.JsonInclude;

/**
 * A skipwire vertex with a channels-last form: its {@code dataFormat} says which layout its feature
 * maps have, NCHW (the default) or NHWC, and {@link org.skipwire.runtime.ChannelsLast} sets NHWC in
 * a network's channels-last copy. The property is declared once here, so that every such vertex
 * writes and reads it alike: it is left out of the JSON when it is NCHW ({@link
 * ChannelsFirstByDefault}), so a configuration that never runs channels-last writes the JSON it
 * wrote before the property existed, and null is refused.
 *
 * <p>A subclass promises a channels-last form: the same computation on NHWC feature maps when its
 * {@code dataFormat} is NHWC, which is why {@code ChannelsLast} converts every vertex of this type.
 */
public abstract class DataFormatVertex extends GraphVertex {

  private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

  /** The layout of the vertex's feature maps: NCHW (the default) or NHWC. */
  @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = ChannelsFirstByDefault.class)
  public final CNN2DFormat getDataFormat() {
    return dataFormat;
  }

  public final void setDataFormat(CNN2DFormat dataFormat) {
    if (dataFormat == null) {
      throw new IllegalArgumentException("dataFormat must be NCHW or NHWC, got null");
    }
    this.dataFormat = dataFormat;
  }
}
