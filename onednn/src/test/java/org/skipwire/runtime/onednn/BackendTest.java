package org.skipwire.runtime.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.factory.Nd4j;

class BackendTest {
  static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");
  static final Set<String> OLD_CPU = Set.of("sse4_2", "avx");

  private static Backend.Inputs inputs(
      String fastPath, String extension, String helpers, Set<String> flags, boolean jar) {
    return new Backend.Inputs(fastPath, extension, helpers, Backend.PLATFORM, flags, true, jar);
  }

  @Test
  void avx2CpuWithTheOneDnnJarGetsTheOneDnnBuildAndHelpers() {
    Backend.Choice c = Backend.decide(inputs(null, null, null, AVX2, true));
    assertEquals(new Backend.Choice(true, "-onednn-avx2", true, c.reason()), c);
  }

  @Test
  void cpuWithoutAvx2GetsThePlainBuildWithoutHelpers() {
    Backend.Choice c = Backend.decide(inputs(null, null, null, OLD_CPU, true));
    assertEquals("", c.extension());
    assertFalse(c.helpers());
    assertTrue(c.reason().contains("AVX2"), c.reason());
  }

  @Test
  void missingJarGetsThePlainBuild() {
    Backend.Choice c = Backend.decide(inputs(null, null, null, AVX2, false));
    assertEquals("", c.extension());
    assertFalse(c.helpers());
  }

  @Test
  void otherPlatformsGetThePlainBuild() {
    Backend.Choice c =
        Backend.decide(new Backend.Inputs(null, null, null, "macosx-arm64", AVX2, true, true));
    assertEquals("", c.extension());
    assertFalse(c.helpers());
  }

  @ParameterizedTest
  @CsvSource({"false", "FALSE", "0", "off", "no", "' false '"})
  void fastPathOffMeansPlainBuildAndHelpersAsShipped(String setting) {
    Backend.Choice c = Backend.decide(inputs(setting, null, null, AVX2, true));
    assertEquals(new Backend.Choice(false, "", false, c.reason()), c);
  }

  @ParameterizedTest
  @CsvSource({"true", "1", "yes", "''"})
  void anyOtherSettingLeavesTheFastPathOn(String setting) {
    assertTrue(Backend.decide(inputs(setting, null, null, AVX2, true)).fastPath());
  }

  @Test
  void withoutNd4jNativeNothingIsTouched() {
    // The cuda profile: JavaCPP keeps choosing among nd4j-cuda's builds (-cudnn or not).
    Backend.Choice c =
        Backend.decide(new Backend.Inputs(null, null, null, Backend.PLATFORM, AVX2, false, false));
    assertEquals(null, c.extension());
    assertFalse(c.helpers());
    assertSame(c, Backend.tooLate(c, null, null));
  }

  @Test
  void userSettingsWin() {
    Backend.Choice c = Backend.decide(inputs(null, "-avx2", "true", AVX2, true));
    assertEquals("-avx2", c.extension());
    assertFalse(c.helpers());
    c = Backend.decide(inputs("false", "-onednn-avx2", "false", AVX2, true));
    assertEquals(new Backend.Choice(false, "-onednn-avx2", true, c.reason()), c);
  }

  @Test
  void tooLateReportsTheBuildThatLoaded() {
    Backend.Choice decided = new Backend.Choice(true, "-onednn-avx2", true, "why");
    String plain =
        "/x/nd4j-native-1.0.0-M2.1-linux-x86_64.jar/org/nd4j/linalg/cpu/nativecpu"
            + "/bindings/linux-x86_64/libnd4jcpu.so";
    Backend.Choice late = Backend.tooLate(decided, "-onednn-avx2", plain);
    assertEquals("", late.extension());
    assertTrue(late.reason().contains("before Backend.init()"), late.reason());
    // JavaCPP read its properties first, with another extension: that one loads.
    late = Backend.tooLate(new Backend.Choice(false, "", false, "off"), null, null);
    assertEquals("(first on the class path)", late.extension());
    // Nothing went early: the decision stands.
    assertSame(decided, Backend.tooLate(decided, "-onednn-avx2", null));
  }

  @Test
  void hookSortsAfterTheRealBackendsWithoutOverflow() {
    // Nd4jBackend.load() sorts with o2.getPriority() - o1.getPriority().
    int hook = new BackendHook().getPriority();
    for (int real : new int[] {0, 100, -100, 10_000}) {
      assertTrue(real - hook > 0, "a backend of priority " + real + " comes first");
    }
  }

  @Test
  void cpuFlagsComeFromTheFirstFlagsLine() {
    String cpuinfo = "processor\t: 0\nflags\t\t: fpu sse avx2 fma\nbugs\t: x\nflags\t: other\n";
    assertEquals(Set.of("fpu", "sse", "avx2", "fma"), Backend.cpuFlags(cpuinfo));
    assertEquals(Set.of(), Backend.cpuFlags("processor : 0\n"));
  }

  @Test
  void nativeBuildIsTheLibrarysDirectory() {
    assertEquals(
        "linux-x86_64-onednn-avx2",
        Backend.nativeBuild(
            "/root/.javacpp/cache/nd4j-native-1.0.0-M2.1-linux-x86_64-onednn-avx2.jar/org/nd4j/linalg"
                + "/cpu/nativecpu/bindings/linux-x86_64-onednn-avx2/libnd4jcpu.so"));
  }

  @Test
  void thisJvmRunsWhatInitDecided() {
    // The BackendHook ran Backend.init() when ND4J loaded for this test JVM.
    Nd4j.create(1);
    Backend.Active active = Backend.active();
    Backend.Choice c = active.choice();
    assertEquals(Backend.PLATFORM + c.extension(), active.nativeBuild(), active.toString());
    assertEquals(c.extension().contains("onednn"), active.oneDnn(), active.toString());
    assertEquals(c.helpers() && active.oneDnn(), active.layerHelpers(), active.toString());
  }
}
