package org.skipwire.runtime.onednn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Chooses the CPU path ND4J and DL4J run on, before ND4J loads its native library.
 *
 * <p>As shipped, DL4J 1.0.0-M2.1 runs convolution, batch norm and pooling as im2col and strided
 * copies in Java plus OpenBLAS, about an order of magnitude slower than oneDNN. The fast path:
 *
 * <ul>
 *   <li>loads nd4j-native's {@code -onednn-avx2} build (libnd4j with oneDNN) where its jar is on
 *       the class path and the CPU has AVX2 and FMA, by setting {@code
 *       org.bytedeco.javacpp.platform.extension}; the plain build otherwise;
 *   <li>on that build, switches on DL4J's oneDNN layer helpers ({@code
 *       org.eclipse.deeplearning4j.helpers.disable=false}), which DL4J's own check cannot find
 *       without the {@link org.nd4j.nativeblas.Nd4jCpu} shim.
 * </ul>
 *
 * <p>A property the user set wins: an explicit {@code org.bytedeco.javacpp.platform.extension} or
 * {@code org.eclipse.deeplearning4j.helpers.disable} is left as it is. {@code
 * -Dskipwire.fastpath=false} (or the environment variable {@code SKIPWIRE_FASTPATH=false}) turns
 * the choice off and leaves DL4J as shipped.
 *
 * <p>{@link #init()} must run before ND4J loads libnd4j. {@link BackendHook} makes sure it does:
 * ND4J constructs it, as a registered backend, just before it loads the native library, whatever
 * first touched ND4J. {@link org.skipwire.runtime.FastPaths#init()} (through {@link
 * OneDnnFastPath}), which {@link org.skipwire.runtime.Training}'s static initialiser and the
 * command line's {@code main} call, runs it too. Called after ND4J has loaded, it changes nothing
 * it cannot and says so in {@link Choice#reason()}.
 */
public final class Backend {
  /** System property that turns the fast path off when {@code false}. */
  public static final String FASTPATH_PROPERTY = "skipwire.fastpath";

  /** Environment variable read when {@link #FASTPATH_PROPERTY} is not set. */
  public static final String FASTPATH_ENV = "SKIPWIRE_FASTPATH";

  /** JavaCPP's run-time choice of native build; read once, when ND4J loads libnd4j. */
  static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

  /** DL4J's switch for its cuDNN/oneDNN layer helpers; defaults to "true" (disabled). */
  static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

  /** nd4j-native's classifier suffix for libnd4j with oneDNN, compiled for AVX2. */
  static final String ONEDNN_AVX2 = "-onednn-avx2";

  static final String PLATFORM = "linux-x86_64";

  /** nd4j-native's backend: present on the class path unless the cuda profile replaced it. */
  static final String CPU_BACKEND_CLASS = "org/nd4j/linalg/cpu/nativecpu/CpuBackend.class";

  /** The JNI library of the -onednn-avx2 classifier jar. */
  static final String ONEDNN_LIBRARY =
      "org/nd4j/linalg/cpu/nativecpu/bindings/" + PLATFORM + ONEDNN_AVX2 + "/libjnind4jcpu.so";

  private static Choice choice;

  private Backend() {}

  /**
   * What {@link #init()} decided.
   *
   * @param fastPath whether the fast path is on (not turned off by the user)
   * @param extension the native build's classifier suffix to load, "" for the plain build, null
   *     where there is no nd4j-native and JavaCPP is left to choose
   * @param helpers whether DL4J's layer helpers are switched on
   * @param reason one line on why
   */
  public record Choice(boolean fastPath, String extension, boolean helpers, String reason) {}

  /**
   * What runs, once ND4J has loaded.
   *
   * @param choice what {@link #init()} decided
   * @param backend ND4J's backend: CPU or CUDA
   * @param nativeBuild the native build's classifier, e.g. {@code linux-x86_64-onednn-avx2}
   * @param oneDnn whether libnd4j has oneDNN compiled in ({@code HAVE_ONEDNN} in its build info)
   * @param layerHelpers whether DL4J's conv, batch-norm and pooling layers will use oneDNN
   * @param threads libnd4j's OpenMP threads
   * @param skipwireHelpers which of DL4J's oneDNN helpers skipwire replaces with its own (conv,
   *     batchnorm; see {@link OneDnnLayers}), empty without layer helpers
   */
  public record Active(
      Choice choice,
      String backend,
      String nativeBuild,
      boolean oneDnn,
      boolean layerHelpers,
      int threads,
      Set<String> skipwireHelpers) {

    /**
     * One line, e.g. {@code CPU linux-x86_64-onednn-avx2, HAVE_ONEDNN, oneDNN layer helpers on,
     * skipwire's for batchnorm, conv, relu, 2 threads (fast path)}.
     */
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%s %s, %s, oneDNN layer helpers %s, %d threads (%s)",
          backend,
          nativeBuild,
          oneDnn ? "HAVE_ONEDNN" : "no oneDNN",
          !layerHelpers
              ? "off"
              : skipwireHelpers.isEmpty()
                  ? "on"
                  : "on, skipwire's for " + String.join(", ", new TreeSet<>(skipwireHelpers)),
          threads,
          choice.fastPath() ? "fast path" : "fast path off: DL4J as shipped");
    }
  }

  /**
   * Decides the native build and the layer helpers and sets the system properties that carry the
   * decision, once; later calls return the first answer. Must run before JavaCPP's {@code Loader}
   * initialises (it reads its properties once, then) and so before ND4J loads.
   */
  public static synchronized Choice init() {
    if (choice != null) {
      return choice;
    }
    // Nothing here may touch JavaCPP's Loader before the property is set.
    Choice decided =
        decide(
            new Inputs(
                System.getProperty(FASTPATH_PROPERTY, System.getenv(FASTPATH_ENV)),
                System.getProperty(EXTENSION_PROPERTY),
                System.getProperty(HELPERS_DISABLE_PROPERTY),
                platform(),
                cpuFlags(),
                resource(CPU_BACKEND_CLASS),
                resource(ONEDNN_LIBRARY)));
    // Set even for the plain build (""): without the property, JavaCPP loads the first build
    // that nd4j-native's preset lists and the class path holds, -onednn-avx2 before the plain
    // one, whether or not the CPU has AVX2.
    if (System.getProperty(EXTENSION_PROPERTY) == null && decided.extension() != null) {
      System.setProperty(EXTENSION_PROPERTY, decided.extension());
    }
    choice = tooLate(decided, javacppExtension(decided.extension()), loadedNd4j());
    if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null && choice.helpers()) {
      System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
    }
    return choice;
  }

  /** Runs {@link #init()}, loads ND4J, and reports what runs. */
  public static Active active() {
    Choice c = init();
    String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "?");
    boolean oneDnn = Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN");
    String library = loadedNd4j();
    String build = library == null ? backend : nativeBuild(library);
    boolean helpersOn =
        !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY, "true"))
            && BaseMKLDNNHelper.mklDnnEnabled();
    return new Active(
        c,
        backend,
        build,
        oneDnn,
        helpersOn,
        Nd4j.getEnvironment().maxThreads(),
        helpersOn ? OneDnnLayers.enabled() : Set.of());
  }

  /** The inputs of {@link #decide}: what the user set and what the machine offers. */
  record Inputs(
      String fastPathSetting,
      String userExtension,
      String userHelpersDisable,
      String platform,
      Set<String> cpuFlags,
      boolean cpuBackendPresent,
      boolean onednnJarPresent) {}

  /** The decision itself, free of side effects so it can be tested. */
  static Choice decide(Inputs in) {
    if (!in.cpuBackendPresent()) {
      // nd4j-cuda (the cuda profile): its builds and helpers are JavaCPP's and DL4J's business.
      return new Choice(
          !isOff(in.fastPathSetting()),
          in.userExtension(),
          "false".equalsIgnoreCase(in.userHelpersDisable()),
          "no nd4j-native on the class path: native build and helpers left as they are");
    }
    if (isOff(in.fastPathSetting())) {
      return new Choice(
          false,
          in.userExtension() == null ? "" : in.userExtension(),
          "false".equalsIgnoreCase(in.userHelpersDisable()),
          FASTPATH_PROPERTY + "=" + in.fastPathSetting() + ": plain build, DL4J as shipped");
    }
    String extension;
    String why;
    if (in.userExtension() != null) {
      extension = in.userExtension();
      why = EXTENSION_PROPERTY + "=" + extension + " set by the user";
    } else if (!PLATFORM.equals(in.platform())) {
      extension = "";
      why = "no oneDNN build for " + in.platform();
    } else if (!in.onednnJarPresent()) {
      extension = "";
      why = "nd4j-native " + PLATFORM + ONEDNN_AVX2 + " is not on the class path";
    } else if (!in.cpuFlags().containsAll(Set.of("avx2", "fma"))) {
      extension = "";
      why = "the CPU lacks AVX2/FMA, which the " + ONEDNN_AVX2 + " build needs";
    } else {
      extension = ONEDNN_AVX2;
      why = "the CPU has AVX2 and FMA and " + PLATFORM + ONEDNN_AVX2 + " is on the class path";
    }
    boolean helpers;
    if (in.userHelpersDisable() != null) {
      helpers = "false".equalsIgnoreCase(in.userHelpersDisable());
      why += "; " + HELPERS_DISABLE_PROPERTY + "=" + in.userHelpersDisable() + " set by the user";
    } else {
      // Only the oneDNN build has anything for the helpers to call (see the Nd4jCpu shim).
      helpers = extension.contains("onednn");
    }
    return new Choice(true, extension, helpers, why);
  }

  /**
   * The choice as it stands once JavaCPP is asked: if its Loader read its properties before {@link
   * #init()} set them ({@code javacppExtension} differs), or libnd4j is already loaded, the build
   * that loads or has loaded is not the one decided; say so. {@code javacppExtension} is null where
   * JavaCPP had no extension set, and then loads the first build on the class path.
   */
  static Choice tooLate(Choice decided, String javacppExtension, String loadedLibrary) {
    if (decided.extension() == null) {
      return decided;
    }
    String effective;
    if (loadedLibrary != null) {
      String build = nativeBuild(loadedLibrary);
      effective = build.startsWith(PLATFORM) ? build.substring(PLATFORM.length()) : build;
    } else if (!decided.extension().equals(javacppExtension)) {
      effective = javacppExtension == null ? "(first on the class path)" : javacppExtension;
    } else {
      return decided;
    }
    if (effective.equals(decided.extension())) {
      return decided;
    }
    boolean helpers = decided.helpers() || (decided.fastPath() && effective.contains("onednn"));
    return new Choice(
        decided.fastPath(),
        effective,
        helpers,
        "JavaCPP or ND4J was initialised before Backend.init(), so the native build is "
            + (effective.isEmpty() ? "the plain one" : effective)
            + ", not "
            + (decided.extension().isEmpty() ? "the plain one" : decided.extension())
            + "; call Backend.init() first in main, or pass -D"
            + EXTENSION_PROPERTY
            + "=...");
  }

  static boolean isOff(String setting) {
    return setting != null
        && Set.of("false", "0", "off", "no").contains(setting.strip().toLowerCase(Locale.ROOT));
  }

  /**
   * The native build's classifier, {@code linux-x86_64-onednn-avx2}, from the path JavaCPP loaded
   * libnd4j from: {@code .../bindings/linux-x86_64-onednn-avx2/libnd4jcpu.so}.
   */
  static String nativeBuild(String libraryPath) {
    Path parent = Path.of(libraryPath).getParent();
    return parent == null ? libraryPath : parent.getFileName().toString();
  }

  /** JavaCPP's name for this platform where skipwire knows it, else os.name-os.arch. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
      return PLATFORM;
    }
    return os + "-" + arch;
  }

  /** The CPU feature flags Linux reports in /proc/cpuinfo; empty elsewhere. */
  static Set<String> cpuFlags() {
    try {
      return cpuFlags(Files.readString(Path.of("/proc/cpuinfo")));
    } catch (IOException | RuntimeException e) {
      return Set.of();
    }
  }

  static Set<String> cpuFlags(String cpuinfo) {
    return cpuinfo
        .lines()
        .filter(l -> l.startsWith("flags"))
        .findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).strip())
        .map(f -> Arrays.stream(f.split("\\s+")).collect(Collectors.toUnmodifiableSet()))
        .orElse(Set.of());
  }

  private static boolean resource(String name) {
    ClassLoader loader = Backend.class.getClassLoader();
    return loader != null && loader.getResource(name) != null;
  }

  /**
   * The platform extension JavaCPP's Loader uses, null where it has none; {@code fallback} where
   * there is no JavaCPP to ask.
   */
  private static String javacppExtension(String fallback) {
    try {
      return org.bytedeco.javacpp.Loader.loadProperties().getProperty("platform.extension");
    } catch (LinkageError e) {
      return fallback;
    }
  }

  /** Where JavaCPP loaded libnd4j from, or null if it has not (yet). */
  private static String loadedNd4j() {
    try {
      Map<String, String> loaded = org.bytedeco.javacpp.Loader.getLoadedLibraries();
      for (String key : new String[] {"nd4jcpu", "jnind4jcpu", "nd4jcuda", "jnind4jcuda"}) {
        if (loaded.containsKey(key)) {
          return loaded.get(key);
        }
      }
      return null;
    } catch (LinkageError e) {
      return null;
    }
  }
}
