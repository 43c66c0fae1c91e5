package org.nd4j.nativeblas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment;
import org.nd4j.linalg.factory.Nd4j;

/** The shim for DL4J's lookup of {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN}. */
class Nd4jCpuTest {

  private static boolean oneDnnBuild() {
    return Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN");
  }

  @Test
  void answersWhatTheRealEnvironmentSaysOnAOneDnnBuild() {
    boolean expected = oneDnnBuild() && Environment.getInstance().isUseONEDNN();
    assertEquals(expected, Nd4jCpu.Environment.getInstance().isUseMKLDNN());
  }

  @Test
  void followsTheSwitch() {
    Environment real = Environment.getInstance();
    boolean before = real.isUseONEDNN();
    try {
      real.setUseONEDNN(false);
      assertEquals(false, Nd4jCpu.Environment.getInstance().isUseMKLDNN());
      real.setUseONEDNN(true);
      assertEquals(oneDnnBuild(), Nd4jCpu.Environment.getInstance().isUseMKLDNN());
    } finally {
      real.setUseONEDNN(before);
    }
  }

  @Test
  void satisfiesDl4jsReflectiveLookup() {
    // Before the shim this was false on every build: the class DL4J looks for did not exist.
    assertEquals(oneDnnBuild(), BaseMKLDNNHelper.mklDnnEnabled());
  }
}
