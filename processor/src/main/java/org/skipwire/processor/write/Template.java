package org.skipwire.processor.write;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One statement of generated code with its numbers, kind texts and vertex names left open. Two
 * block instances whose templates have the same {@link #key} share one generated method; the open
 * values become that method's parameters or constants (see {@link BlockMethods}).
 */
final class Template {

  /** What a slot holds, and so the Java type of a parameter that carries it. */
  enum Kind {
    INT("int"),
    LONG("long"),
    DOUBLE("double"),
    STRING("String");

    final String javaType;

    Kind(String javaType) {
      this.javaType = javaType;
    }
  }

  /** A piece of code. */
  sealed interface Piece {}

  /** Fixed code: a JavaPoet format and its arguments (types, enum constant names). */
  record Text(String format, List<Object> args) implements Piece {}

  /**
   * An open value.
   *
   * @param role what it means, the first choice of name for a parameter that carries it
   * @param vertex the vertex it belongs to, relative names qualify ambiguous roles
   */
  record Slot(Kind kind, String role, Object value, String vertex) implements Piece {
    Slot withVertex(String name) {
      return new Slot(kind, role, value, name);
    }
  }

  /** A vertex name, absolute; resolved against the block being written. */
  record Ref(String name) implements Piece {}

  private final List<Piece> pieces = new ArrayList<>();

  Template add(String format, Object... args) {
    pieces.add(new Text(format, List.of(args)));
    return this;
  }

  Template i(String role, int value) {
    pieces.add(new Slot(Kind.INT, role, (long) value, null));
    return this;
  }

  Template l(String role, long value) {
    pieces.add(new Slot(Kind.LONG, role, value, null));
    return this;
  }

  Template d(String role, double value) {
    pieces.add(new Slot(Kind.DOUBLE, role, value, null));
    return this;
  }

  Template s(String role, String value) {
    pieces.add(new Slot(Kind.STRING, role, value, null));
    return this;
  }

  /** The same template with every slot marked as belonging to {@code vertex}. */
  Template ofVertex(String vertex) {
    Template t = new Template();
    for (Piece p : pieces) {
      t.pieces.add(p instanceof Slot s ? s.withVertex(vertex) : p);
    }
    return t;
  }

  Template ref(String vertex) {
    pieces.add(new Ref(vertex));
    return this;
  }

  Template append(Template other) {
    pieces.addAll(other.pieces);
    return this;
  }

  List<Slot> slots() {
    return pieces.stream().filter(p -> p instanceof Slot).map(p -> (Slot) p).toList();
  }

  List<Ref> refs() {
    return pieces.stream().filter(p -> p instanceof Ref).map(p -> (Ref) p).toList();
  }

  /** The structure, with every slot open and each name as {@code refKey} gives it. */
  String key(Function<String, String> refKey) {
    StringBuilder key = new StringBuilder();
    for (Piece p : pieces) {
      if (p instanceof Text t) {
        key.append(t.format());
        for (Object a : t.args()) {
          key.append('\u0001').append(a instanceof ClassName c ? c.canonicalName() : a);
        }
      } else if (p instanceof Slot s) {
        key.append('\u0002').append(s.kind());
      } else {
        key.append('\u0003').append(refKey.apply(((Ref) p).name())).append('\u0003');
      }
    }
    return key.toString();
  }

  /** The code, with the {@code i}-th slot written as {@code slot.apply(i)}. */
  CodeBlock render(Function<Integer, CodeBlock> slot, Function<String, CodeBlock> ref) {
    CodeBlock.Builder code = CodeBlock.builder();
    int index = 0;
    for (Piece p : pieces) {
      if (p instanceof Text t) {
        code.add(t.format(), t.args().toArray());
      } else if (p instanceof Slot) {
        code.add(slot.apply(index++));
      } else {
        code.add(ref.apply(((Ref) p).name()));
      }
    }
    return code.build();
  }
}
