package org.skipwire.processor.model;

import org.skipwire.Loss;
import org.skipwire.Nonlinearity;

/** A resolved operation of the checked graph: every size known, every default applied. */
public sealed interface GraphOp {

  /** A short description for tables, e.g. {@code conv 3x3/2}. */
  String describe();

  record Conv(
      int kernel, int stride, int padding, int nIn, int nOut, boolean bias, Nonlinearity activation)
      implements GraphOp {
    @Override
    public String describe() {
      return "conv " + kernel + "x" + kernel + (stride == 1 ? "" : "/" + stride);
    }
  }

  record BatchNorm(int channels, double epsilon, double gammaInit) implements GraphOp {
    @Override
    public String describe() {
      return gammaInit == 1.0 ? "batchnorm" : "batchnorm gamma=" + gammaInit;
    }
  }

  record Activation(Nonlinearity fn) implements GraphOp {
    @Override
    public String describe() {
      return fn.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  record Pool(boolean max, int kernel, int stride, int padding) implements GraphOp {
    @Override
    public String describe() {
      return (max ? "maxpool " : "avgpool ") + kernel + "x" + kernel + (stride == 1 ? "" : "/" + stride);
    }
  }

  record GlobalAvgPool() implements GraphOp {
    @Override
    public String describe() {
      return "global avgpool";
    }
  }

  record Dense(int nIn, int nOut, Nonlinearity activation) implements GraphOp {
    @Override
    public String describe() {
      return "dense";
    }
  }

  record Output(int nIn, int nOut, Nonlinearity activation, Loss loss) implements GraphOp {
    @Override
    public String describe() {
      return "output " + loss.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Element-wise sum of its inputs. */
  record Add() implements GraphOp {
    @Override
    public String describe() {
      return "add";
    }
  }

  /** The parameter-free "option A" shortcut: every stride-th pixel, zero channels appended. */
  record ZeroPad(int stride, int padChannels) implements GraphOp {
    @Override
    public String describe() {
      return "zero-pad +" + padChannels + (stride == 1 ? "" : "/" + stride);
    }
  }

  /** Concatenation of its inputs along the channels. */
  record Merge() implements GraphOp {
    @Override
    public String describe() {
      return "concat";
    }
  }

  /**
   * The trainable highway gate: reads x and H(x), returns {@code H * T + x * C}.
   *
   * @param conv whether the gate is a convolution (feature maps) or dense (flat vectors)
   * @param width channels or features
   * @param kernel the gate's kernel size; 1 for dense gates
   */
  record HighwayGate(boolean conv, int width, int kernel, double gateBias, boolean independentCarry)
      implements GraphOp {
    @Override
    public String describe() {
      return "highway gate" + (conv ? " " + kernel + "x" + kernel : "") + (independentCarry ? " +carry" : "");
    }
  }
}
