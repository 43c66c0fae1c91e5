package org.skipwire.processor.shape;

/**
 * Bounds no real network reaches but a typo or a generator can: past them the processor's {@code
 * int} arithmetic, javac's limits on the generated class, or the memory of any machine would give
 * out. Every declared value and every computed size is checked against them with exact arithmetic,
 * and a value past one is the error {@code [skipwire/too-large]}. The README lists them.
 */
public final class Limits {
  private Limits() {}

  /** Channels, filters, units, growth rate, groups, heads, and every height, width and length. */
  public static final int MAX_SIZE = 1 << 16;

  /** Kernel, stride, padding, dilation and upsampling scale. */
  public static final int MAX_WINDOW = 1 << 10;

  /** A {@code width = k} multiple of a block's base width. */
  public static final int MAX_WIDTH_FACTOR = 1 << 10;

  /** Blocks of one {@code @Stage}. */
  public static final int MAX_BLOCKS = 10_000;

  /** Vertices of one network: the generated class and DL4J's graph stay workable below it. */
  public static final int MAX_VERTICES = 100_000;

  /**
   * Attention scores of one {@code @SelfAttention} per example, length x length x heads: 2^26
   * floats are 256 MB per example. Found by the fuzz test: a length of 65,536 made ND4J crash the
   * JVM at the first forward pass.
   */
  public static final long MAX_ATTENTION_SCORES = 1L << 26;

  /**
   * Estimated bytes to train one network on one example ({@link TrainingMemory}): 16 GiB. Found by
   * the fuzz test: a declaration within every other limit (a shake-shake block whose projection
   * shortcut maps 65,536 channels to 65,536, 4.3 billion parameters) passed javac, and its DL4J
   * graph took the fuzz JVM past 19 GB until the kernel killed it.
   */
  public static final long MAX_TRAINING_BYTES = 1L << 34;

  /** Parameters of one network: 40 GB of floats. */
  public static final long MAX_PARAMS = 10_000_000_000L;
}
