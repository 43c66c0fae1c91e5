package org.skipwire.runtime.onednn;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;

/**
 * Buffers for oneDNN's own layouts (blocked, e.g. nChw16c) of arrays that DL4J keeps as NCHW or
 * NHWC, with the reorders into and out of them. A handful of numbered slots per thread, each grown
 * to the largest array it has held and reused by every layer: the layers of a graph run one after
 * another, and a slot's content is dead once the call that filled it returns.
 */
final class Scratch {
  private static final int ALIGNMENT = 64;
  private static final ThreadLocal<Map<Integer, BytePointer>> SLOTS =
      ThreadLocal.withInitial(HashMap::new);

  private Scratch() {}

  /**
   * {@code user} itself if it already has the layout {@code want}, else a copy in that layout. A
   * reorder primitive is made once per {@code role} of a caller's {@code reorders}: one role, one
   * pair of layouts.
   */
  static memory in(
      stream s, memory user, memory.desc want, int slot, Map<Integer, reorder> reorders, int role) {
    if (want.equals(user.get_desc())) {
      return user;
    }
    memory m = new memory(want, OneDnn.engine(), buffer(slot, want.get_size()));
    reorder(reorders, role, user, m).execute(s, user, m);
    return m;
  }

  /** Where a primitive writes a result meant for {@code user}; {@link #back} moves it there. */
  static memory out(memory user, memory.desc want, int slot) {
    if (want.equals(user.get_desc())) {
      return user;
    }
    return new memory(want, OneDnn.engine(), buffer(slot, want.get_size()));
  }

  /** Reorders a result from {@link #out} into the user's array, if it was not written there. */
  static void back(stream s, memory result, memory user, Map<Integer, reorder> reorders, int role) {
    if (result != user) {
      reorder(reorders, role, result, user).execute(s, result, user);
    }
  }

  private static reorder reorder(Map<Integer, reorder> reorders, int role, memory from, memory to) {
    reorder r = reorders.get(role);
    if (r == null) {
      // Kept with the caller's primitives, beyond the PointerScope open now.
      r = new reorder(from, to).retainReference();
      reorders.put(role, r);
    }
    return r;
  }

  private static BytePointer buffer(int slot, long bytes) {
    Map<Integer, BytePointer> slots = SLOTS.get();
    BytePointer b = slots.get(slot);
    if (b == null || b.limit() - b.position() < bytes) {
      if (b != null) {
        b.releaseReference();
      }
      // Kept beyond any PointerScope the caller has open; aligned for oneDNN's vector loads.
      b = new BytePointer(bytes + ALIGNMENT).retainReference();
      long misaligned = b.address() % ALIGNMENT;
      b.position(misaligned == 0 ? 0 : ALIGNMENT - misaligned);
      slots.put(slot, b);
    }
    return b;
  }
}
