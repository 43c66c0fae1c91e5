package org.skipwire.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** What a call threw, with the few message checks these tests make. */
record Thrown(Throwable thrown) {
  static Thrown assertThatThrownBy(Executable call) {
    return new Thrown(assertThrows(WeightsException.class, call));
  }

  Thrown isInstanceOf(Class<?> type) {
    assertTrue(type.isInstance(thrown), () -> "threw " + thrown);
    return this;
  }

  Thrown hasMessage(String message) {
    assertEquals(message, thrown.getMessage());
    return oneLine();
  }

  Thrown hasMessageStartingWith(String prefix) {
    assertTrue(thrown.getMessage().startsWith(prefix), () -> "message: " + thrown.getMessage());
    return oneLine();
  }

  Thrown hasMessageEndingWith(String suffix) {
    assertTrue(thrown.getMessage().endsWith(suffix), () -> "message: " + thrown.getMessage());
    return oneLine();
  }

  Thrown hasMessageContaining(String part) {
    assertTrue(thrown.getMessage().contains(part), () -> "message: " + thrown.getMessage());
    return oneLine();
  }

  private Thrown oneLine() {
    assertTrue(
        !thrown.getMessage().contains("\n"), () -> "more than one line: " + thrown.getMessage());
    return this;
  }
}
