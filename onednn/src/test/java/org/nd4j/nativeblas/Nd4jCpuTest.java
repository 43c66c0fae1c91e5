package org.nd4j.nativeblas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The shim for DL4J's lookup of {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN}. The
 * real environment is reached by reflection, as in the shim, so that this compiles in the cuda
 * profile too.
 */
class Nd4jCpuTest {

  /** nd4j-native's {@code Nd4jCpu.Environment}, through reflection. */
  private static final class Environment {
    private final Object env;

    private Environment(Object env) {
      this.env = env;
    }

    static Environment getInstance() {
      try {
        return new Environment(
            Class.forName(Nd4jCpu.Environment.REAL).getMethod("getInstance").invoke(null));
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    boolean isUseONEDNN() {
      try {
        return (Boolean) env.getClass().getMethod("isUseONEDNN").invoke(env);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    void setUseONEDNN(boolean use) {
      try {
        env.getClass().getMethod("setUseONEDNN", boolean.class).invoke(env, use);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
  }

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
