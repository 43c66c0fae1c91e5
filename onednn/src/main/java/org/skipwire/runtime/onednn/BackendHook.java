package org.skipwire.runtime.onednn;

import org.nd4j.common.io.Resource;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4jBackend;

/**
 * Runs {@link Backend#init()} at the last moment it can still choose the native build, whatever
 * touches ND4J first. ND4J's {@code Nd4jBackend.load()} constructs every {@code Nd4jBackend}
 * registered as a service before it asks any of them {@link #isAvailable()}, which is where
 * nd4j-native loads libnd4j; this one is registered too, so its constructor runs in between. It is
 * never available and has the lowest priority, so ND4J never picks it.
 */
public final class BackendHook extends Nd4jBackend {

  public BackendHook() {
    Backend.init();
  }

  @Override
  public boolean allowsOrder() {
    return false;
  }

  @Override
  public int getPriority() {
    // Below the real backends (CPU 0, CUDA 100 by default). Not Integer.MIN_VALUE: ND4J sorts by
    // subtracting priorities, which would overflow and put this one first (and log it skipped).
    return -1_000_000;
  }

  @Override
  public boolean isAvailable() {
    return false;
  }

  @Override
  public boolean canRun() {
    return false;
  }

  @Override
  public Resource getConfigurationResource() {
    throw new UnsupportedOperationException("not a backend");
  }

  @Override
  public Class<?> getNDArrayClass() {
    throw new UnsupportedOperationException("not a backend");
  }

  @Override
  public Environment getEnvironment() {
    throw new UnsupportedOperationException("not a backend");
  }

  @Override
  public String buildInfo() {
    return "skipwire backend hook, not a backend";
  }

  @Override
  public void logBackendInit() {}
}
