package org.skipwire.processor.write;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the open values of a block's {@link Template}s are written in the one method its instances
 * share: as a constant where every instance agrees, else as a parameter, or as a small formula of
 * parameters ({@code 4 * width}, {@code 9L * nIn * nOut}) where every instance fits it exactly. So
 * DenseNet's units, which differ only in their input channels, share one method with one size
 * parameter, and their parameter counts are written from it.
 */
final class Slots {
  private Slots() {}

  /** What a value means, for which formulas may relate it to which parameters. */
  enum Family {
    /** channels, units, kernel, stride ...: the parameters of formulas for counts. */
    SIZE,
    /** height, width, length. */
    SPATIAL,
    /** parameter counts, written from sizes. */
    COUNT,
    /** doubles and texts: a constant or a parameter, never a formula. */
    OTHER
  }

  static Family family(Template.Slot slot) {
    if (slot.kind() == Template.Kind.DOUBLE || slot.kind() == Template.Kind.STRING) {
      return Family.OTHER;
    }
    return switch (slot.role()) {
      case "height", "width", "length" -> Family.SPATIAL;
      case "params", "trainable" -> Family.COUNT;
      default -> Family.SIZE;
    };
  }

  /** {@code coefficient x p [x q]}; {@code q} is -1 for a single parameter. */
  record Term(long coefficient, int p, int q) {}

  /**
   * A slot's value in terms of the method's parameters.
   *
   * @param constant the value when {@code terms} is empty
   * @param terms summed, plus {@code offset}
   */
  record Expr(Object constant, List<Term> terms, long offset) {
    static Expr of(Object constant) {
      return new Expr(constant, List.of(), 0);
    }

    static Expr param(int p) {
      return new Expr(null, List.of(new Term(1, p, -1)), 0);
    }

    boolean isConstant() {
      return terms.isEmpty();
    }
  }

  /** A parameter of the method. */
  record Param(Template.Kind kind, Family family, String role, String vertex, Object[] values) {}

  /**
   * Expressions for every slot, given each instance's values ({@code values[instance][slot]}),
   * adding the parameters it needs to {@code params}.
   */
  static List<Expr> solve(List<Template.Slot> slots, Object[][] values, List<Param> params) {
    int instances = values.length;
    Expr[] exprs = new Expr[slots.size()];
    // Sizes first, so that counts and shapes can be written in terms of them.
    for (Family family : Family.values()) {
      for (int s = 0; s < slots.size(); s++) {
        Template.Slot slot = slots.get(s);
        if (family(slot) != family) {
          continue;
        }
        Object[] column = new Object[instances];
        for (int k = 0; k < instances; k++) {
          column[k] = values[k][s];
        }
        exprs[s] = express(slot, column, params);
      }
    }
    return List.of(exprs);
  }

  private static Expr express(Template.Slot slot, Object[] column, List<Param> params) {
    boolean same = true;
    for (Object v : column) {
      same &= Objects.equals(v, column[0]);
    }
    if (same) {
      return Expr.of(column[0]);
    }
    Family family = family(slot);
    for (int p = 0; p < params.size(); p++) {
      Param param = params.get(p);
      if (param.kind() == slot.kind() && java.util.Arrays.equals(param.values(), column)) {
        return Expr.param(p);
      }
    }
    if (family != Family.OTHER) {
      long[] t = longs(column);
      Expr formula = formula(family, slot.kind(), t, params);
      if (formula != null) {
        return formula;
      }
    }
    params.add(new Param(slot.kind(), family, slot.role(), slot.vertex(), column));
    return Expr.param(params.size() - 1);
  }

  /** A basis vector: one parameter or the product of two. */
  private record Basis(int p, int q, long[] values) {}

  private static Expr formula(Family family, Template.Kind kind, long[] t, List<Param> params) {
    List<Basis> bases = new ArrayList<>();
    Family from = family == Family.COUNT ? Family.SIZE : family;
    for (int p = 0; p < params.size(); p++) {
      Param param = params.get(p);
      if (param.family() == from) {
        bases.add(new Basis(p, -1, longs(param.values())));
      }
    }
    if (family == Family.COUNT) {
      int singles = bases.size();
      for (int a = 0; a < singles; a++) {
        for (int b = a; b < singles; b++) {
          long[] product = product(bases.get(a).values(), bases.get(b).values());
          if (product != null) {
            bases.add(new Basis(bases.get(a).p(), bases.get(b).p(), product));
          }
        }
      }
    }
    // With few instances almost any two vectors fit a line; ask for a third point before offsets.
    boolean enough = t.length >= 3;
    for (Basis b : bases) {
      Long a = ratio(t, b.values());
      if (a != null && fits(kind, a, b.values())) {
        return new Expr(null, List.of(new Term(a, b.p(), b.q())), 0);
      }
    }
    if (!enough) {
      return null;
    }
    for (Basis b : bases) {
      long[] fit = line(t, b.values());
      if (fit != null && fits(kind, fit[0], b.values())) {
        return new Expr(null, List.of(new Term(fit[0], b.p(), b.q())), fit[1]);
      }
    }
    if (family != Family.COUNT) {
      return null;
    }
    for (int i = 0; i < bases.size(); i++) {
      for (int j = i + 1; j < bases.size(); j++) {
        long[] fit = plane(t, bases.get(i).values(), bases.get(j).values());
        if (fit != null) {
          return new Expr(
              null,
              List.of(
                  new Term(fit[0], bases.get(i).p(), bases.get(i).q()),
                  new Term(fit[1], bases.get(j).p(), bases.get(j).q())),
              0);
        }
      }
    }
    return null;
  }

  /** Whether {@code a * b} stays within the slot's type for every instance. */
  private static boolean fits(Template.Kind kind, long a, long[] b) {
    for (long v : b) {
      try {
        long x = Math.multiplyExact(a, v);
        if (kind == Template.Kind.INT && (x > Integer.MAX_VALUE || x < Integer.MIN_VALUE)) {
          return false;
        }
      } catch (ArithmeticException e) {
        return false;
      }
    }
    return true;
  }

  /** {@code a} with {@code t = a * b} exactly, or null. */
  private static Long ratio(long[] t, long[] b) {
    if (b[0] == 0 || t[0] % b[0] != 0) {
      return null;
    }
    long a = t[0] / b[0];
    if (a == 0) {
      return null;
    }
    for (int k = 0; k < t.length; k++) {
      if (!equalsProduct(t[k], a, b[k], 0)) {
        return null;
      }
    }
    return a;
  }

  /** {@code {a, e}} with {@code t = a * b + e} exactly, or null. */
  private static long[] line(long[] t, long[] b) {
    int other = -1;
    for (int k = 1; k < t.length && other < 0; k++) {
      if (b[k] != b[0]) {
        other = k;
      }
    }
    if (other < 0) {
      return null;
    }
    long db = b[other] - b[0];
    long dt = t[other] - t[0];
    if (dt % db != 0 || dt / db == 0) {
      return null;
    }
    long a = dt / db;
    long e;
    try {
      e = Math.subtractExact(t[0], Math.multiplyExact(a, b[0]));
    } catch (ArithmeticException x) {
      return null;
    }
    for (int k = 0; k < t.length; k++) {
      if (!equalsProduct(t[k], a, b[k], e)) {
        return null;
      }
    }
    return new long[] {a, e};
  }

  /** {@code {a, c}} with {@code t = a * x + c * y} exactly, both non-zero, or null. */
  private static long[] plane(long[] t, long[] x, long[] y) {
    for (int r = 0; r < t.length; r++) {
      for (int s = r + 1; s < t.length; s++) {
        java.math.BigInteger det =
            big(x[r]).multiply(big(y[s])).subtract(big(x[s]).multiply(big(y[r])));
        if (det.signum() == 0) {
          continue;
        }
        java.math.BigInteger an =
            big(t[r]).multiply(big(y[s])).subtract(big(t[s]).multiply(big(y[r])));
        java.math.BigInteger cn =
            big(x[r]).multiply(big(t[s])).subtract(big(x[s]).multiply(big(t[r])));
        if (an.mod(det.abs()).signum() != 0 || cn.mod(det.abs()).signum() != 0) {
          return null;
        }
        java.math.BigInteger a = an.divide(det);
        java.math.BigInteger c = cn.divide(det);
        if (a.signum() == 0 || c.signum() == 0 || a.bitLength() > 62 || c.bitLength() > 62) {
          return null;
        }
        for (int k = 0; k < t.length; k++) {
          if (!a.multiply(big(x[k])).add(c.multiply(big(y[k]))).equals(big(t[k]))) {
            return null;
          }
        }
        return new long[] {a.longValue(), c.longValue()};
      }
    }
    return null;
  }

  private static boolean equalsProduct(long t, long a, long b, long e) {
    try {
      return Math.addExact(Math.multiplyExact(a, b), e) == t;
    } catch (ArithmeticException x) {
      return false;
    }
  }

  private static java.math.BigInteger big(long v) {
    return java.math.BigInteger.valueOf(v);
  }

  private static long[] product(long[] a, long[] b) {
    long[] p = new long[a.length];
    try {
      for (int k = 0; k < a.length; k++) {
        p[k] = Math.multiplyExact(a[k], b[k]);
      }
    } catch (ArithmeticException e) {
      return null;
    }
    return p;
  }

  private static long[] longs(Object[] column) {
    long[] t = new long[column.length];
    for (int k = 0; k < column.length; k++) {
      t[k] = (Long) column[k];
    }
    return t;
  }
}
