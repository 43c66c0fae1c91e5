package org.nd4j.nativeblas;

import org.nd4j.linalg.factory.Nd4j;

/**
 * A shim for a DL4J 1.0.0-M2.1 defect, nothing else. {@code
 * org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper#mklDnnEnabled()} asks whether oneDNN is in
 * use by reflection on {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN()}, a class no
 * ND4J M2.1 jar contains: the bindings moved to {@code
 * org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} and the method is now {@code isUseONEDNN()}. The
 * lookup throws, DL4J remembers the failure, and its oneDNN convolution, batch-norm and pooling
 * helpers never run, even on the oneDNN native build. This class answers the lookup.
 *
 * <p>The answer is true only where libnd4j was built with oneDNN ({@code HAVE_ONEDNN} in its build
 * information) and uses it: the plain build's {@code isUseONEDNN()} answers true as well. The real
 * environment is reached by reflection so that this compiles and stays inert without nd4j-native
 * (the {@code cuda} profile). Delete this class when DL4J fixes the lookup.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  /** What {@code BaseMKLDNNHelper} reflects on: {@code getInstance().isUseMKLDNN()}. */
  public static final class Environment {
    static final String REAL = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

    private static final Environment INSTANCE = new Environment();

    private Environment() {}

    public static Environment getInstance() {
      return INSTANCE;
    }

    /** True where libnd4j has oneDNN compiled in and switched on. */
    public boolean isUseMKLDNN() {
      try {
        if (!Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN")) {
          return false;
        }
        Class<?> real = Class.forName(REAL, true, Nd4jCpu.class.getClassLoader());
        Object env = real.getMethod("getInstance").invoke(null);
        return (Boolean) real.getMethod("isUseONEDNN").invoke(env);
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        return false;
      }
    }
  }
}
