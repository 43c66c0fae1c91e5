package org.skipwire.runtime.impl;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

/** Per-example random draws and scaling, shared by the stochastic vertices. */
final class PerExample {
  private PerExample() {}

  /**
   * {@code n} draws from U[0, 1) off ND4J's global generator, the one {@code
   * Nd4j.getRandom().setSeed} and DL4J's dropout use. Kept as Java numbers: a handful per batch,
   * and unlike an array they cannot be invalidated by a workspace closing between the forward and
   * the backward pass.
   */
  static double[] uniform(long n) {
    double[] u = new double[Math.toIntExact(n)];
    for (int i = 0; i < u.length; i++) {
      u[i] = Nd4j.getRandom().nextDouble();
    }
    return u;
  }

  /** Writes {@code out[n, ...] = x[n, ...] * factor[n]} and returns {@code out}. */
  static INDArray scale(INDArray x, double[] factor, INDArray out) {
    INDArray f = Nd4j.createFromArray(factor).castTo(x.dataType());
    Nd4j.getExecutioner().exec(new BroadcastMulOp(x, f, out, 0));
    return out;
  }
}
