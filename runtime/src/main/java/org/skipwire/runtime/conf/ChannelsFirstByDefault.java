package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.CNN2DFormat;

/**
 * Jackson's value filter for a vertex's {@code dataFormat}: leaves the default, channels-first, out
 * of the JSON. A configuration written before the field existed then reads back the same, and one
 * that never runs channels-last writes exactly the JSON it wrote before (the zoo's configuration
 * fingerprints hold it to that); a channels-last copy writes {@code "dataFormat" : "NHWC"}.
 */
final class ChannelsFirstByDefault {
  /** Jackson calls this with the property's value: true leaves it out. */
  @Override
  public boolean equals(Object value) {
    return value == null || value == CNN2DFormat.NCHW;
  }

  @Override
  public int hashCode() {
    return ChannelsFirstByDefault.class.hashCode();
  }
}
