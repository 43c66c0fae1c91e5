package org.skipwire.runtime.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code data.pkl} of a {@code torch.save} zip without Python and without running
 * anything: a pickle interpreter for exactly the opcodes and globals a state_dict uses. Pickle is a
 * program (its {@code GLOBAL} and {@code REDUCE} opcodes call any importable function), so this is
 * not a general unpickler: every global is checked against a short list ({@code
 * collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, {@code
 * torch._utils._rebuild_parameter}, the {@code torch.XxxStorage} types) and the only "calls" are
 * Java code here that builds an ordered map or a tensor reference; anything else, and any opcode
 * outside the list, is refused before it could mean anything. The interpreter is a loop over the
 * bytes, never recursive, and every length is checked against the bytes left, so time and memory
 * are bounded by the pickle's size.
 */
final class StateDictUnpickler {

  /** A global the pickle named, checked against the allowed list when it is looked up. */
  record Global(String module, String name) {
    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  /** A tuple (immutable in Python; a list here). */
  record Tuple(List<Object> items) {}

  /** A persistent reference to storage {@code key}: the zip entry {@code data/<key>}. */
  record Storage(DType dtype, String key, long elements) {}

  /** A tensor: a strided view of a storage. */
  record Tensor(Storage storage, long offset, long[] size, long[] stride) {}

  /** Python's None. */
  static final Object NONE =
      new Object() {
        @Override
        public String toString() {
          return "None";
        }
      };

  private static final Object MARK = new Object();

  private static final Set<String> GLOBALS =
      Set.of(
          "collections.OrderedDict",
          "torch._utils._rebuild_tensor_v2",
          "torch._utils._rebuild_parameter");

  /** A pickle that is not a state_dict's; the message says which opcode or global, where. */
  static final class PickleException extends Exception {
    private static final long serialVersionUID = 1L;

    PickleException(String message) {
      super(message, null, false, false);
    }
  }

  private final ByteBuffer in;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  private StateDictUnpickler(byte[] pickle) {
    this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Runs the pickle and returns its value: maps, tuples, lists, strings, numbers, tensors. */
  static Object load(byte[] pickle) throws PickleException {
    return new StateDictUnpickler(pickle).run();
  }

  private Object run() throws PickleException {
    while (true) {
      if (!in.hasRemaining()) {
        throw new PickleException("ends without a STOP opcode (truncated)");
      }
      int at = in.position();
      int op = in.get() & 0xff;
      switch (op) {
        case 0x80 -> { // PROTO
          int proto = u8();
          if (proto < 2 || proto > 5) {
            throw error(at, "pickle protocol " + proto + " is not one torch.save writes");
          }
        }
        case 0x95 -> need(8).getLong(); // FRAME: a length hint only
        case '.' -> { // STOP
          Object v = pop(at);
          return v;
        }
        case '(' -> marks.add(stack.size());
        case ')' -> push(new Tuple(List.of()));
        case 't' -> push(new Tuple(popMark(at)));
        case 0x85 -> push(new Tuple(List.of(pop(at))));
        case 0x86 -> {
          Object b = pop(at);
          Object a = pop(at);
          push(new Tuple(List.of(a, b)));
        }
        case 0x87 -> {
          Object c = pop(at);
          Object b = pop(at);
          Object a = pop(at);
          push(new Tuple(List.of(a, b, c)));
        }
        case '}' -> push(new LinkedHashMap<Object, Object>());
        case ']' -> push(new ArrayList<Object>());
        case 'a' -> {
          Object v = pop(at);
          list(at, peek(at)).add(v);
        }
        case 'e' -> {
          List<Object> items = popMark(at);
          list(at, peek(at)).addAll(items);
        }
        case 's' -> {
          Object v = pop(at);
          Object k = pop(at);
          put(at, peek(at), k, v);
        }
        case 'u' -> {
          List<Object> items = popMark(at);
          if (items.size() % 2 != 0) {
            throw error(at, "SETITEMS with an odd number of items");
          }
          Object target = peek(at);
          for (int i = 0; i < items.size(); i += 2) {
            put(at, target, items.get(i), items.get(i + 1));
          }
        }
        case 'N' -> push(NONE);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'K' -> push((long) u8());
        case 'M' -> push((long) (need(2).getShort() & 0xffff));
        case 'J' -> push((long) need(4).getInt());
        case 0x8a -> { // LONG1
          int n = u8();
          if (n > 8) {
            throw error(at, "an integer of " + n + " bytes; a state_dict holds none that large");
          }
          byte[] b = new byte[n];
          need(n).get(b);
          long v = 0;
          for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
          }
          if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
            v -= 1L << (8 * n); // two's complement of n bytes
          }
          push(v);
        }
        case 'G' -> {
          ByteBuffer b = need(8);
          push(b.order(ByteOrder.BIG_ENDIAN).getDouble());
          b.order(ByteOrder.LITTLE_ENDIAN);
        }
        case 'X' -> push(utf8(at, length(at, need(4).getInt() & 0xffffffffL)));
        case 0x8c -> push(utf8(at, u8()));
        case 0x8d -> push(utf8(at, length(at, need(8).getLong())));
        case 'U' -> push(latin1(u8()));
        case 'T' -> push(latin1(length(at, need(4).getInt() & 0xffffffffL)));
        case 'q' -> memo.put((long) u8(), peek(at));
        case 'r' -> memo.put(need(4).getInt() & 0xffffffffL, peek(at));
        case 0x94 -> memo.put((long) memo.size(), peek(at));
        case 'h' -> push(get(at, u8()));
        case 'j' -> push(get(at, need(4).getInt() & 0xffffffffL));
        case 'c' -> { // GLOBAL "module\nname\n"
          String module = line(at);
          String name = line(at);
          push(global(at, module, name));
        }
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop(at);
          Object module = pop(at);
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw error(at, "STACK_GLOBAL without two strings");
          }
          push(global(at, m, n));
        }
        case 'Q' -> push(persistent(at, pop(at)));
        case 'R' -> {
          Object args = pop(at);
          Object fn = pop(at);
          push(reduce(at, fn, args));
        }
        case 'b' -> { // BUILD: OrderedDict's attributes (_metadata), which loading ignores
          Object state = pop(at);
          Object target = peek(at);
          if (!(target instanceof Map) || !(state instanceof Map || state instanceof Tuple)) {
            throw error(
                at, "BUILD on " + describe(target) + "; a state_dict builds only its OrderedDict");
          }
        }
        case '0' -> pop(at); // POP
        default ->
            throw error(
                at,
                String.format(
                    "opcode 0x%02x%s is not one a state_dict uses; refused, nothing was executed",
                    op, op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
      }
    }
  }

  private Object global(int at, String module, String name) throws PickleException {
    String full = module + "." + name;
    if (GLOBALS.contains(full)) {
      return new Global(module, name);
    }
    if (module.equals("torch") && DType.ofTorchStorage(name).isPresent()) {
      return new Global(module, name);
    }
    throw error(
        at,
        "global "
            + SafetensorsFile.printable(full)
            + " is not one a state_dict uses; refused, nothing was executed");
  }

  private Object reduce(int at, Object fn, Object args) throws PickleException {
    if (!(fn instanceof Global g) || !(args instanceof Tuple t)) {
      throw error(at, "REDUCE calls " + describe(fn) + "; only allowed globals can be called");
    }
    List<Object> a = t.items();
    switch (g.toString()) {
      case "collections.OrderedDict":
        if (!a.isEmpty()) {
          throw error(at, "OrderedDict called with arguments");
        }
        return new LinkedHashMap<Object, Object>();
      case "torch._utils._rebuild_tensor_v2":
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.size() < 4
            || a.size() > 7
            || !(a.get(0) instanceof Storage s)
            || !(a.get(1) instanceof Long offset)) {
          throw error(at, "_rebuild_tensor_v2 called with " + a.size() + " unexpected arguments");
        }
        return new Tensor(s, offset, longs(at, a.get(2), "size"), longs(at, a.get(3), "stride"));
      case "torch._utils._rebuild_parameter":
        if (a.isEmpty() || !(a.get(0) instanceof Tensor tensor)) {
          throw error(at, "_rebuild_parameter called without a tensor");
        }
        return tensor;
      default:
        throw error(at, "REDUCE calls " + g + ", which a state_dict never calls");
    }
  }

  private Object persistent(int at, Object pid) throws PickleException {
    // ('storage', torch.FloatStorage, key, location, numel)
    if (!(pid instanceof Tuple t)
        || t.items().size() != 5
        || !"storage".equals(t.items().get(0))
        || !(t.items().get(1) instanceof Global type)
        || !(t.items().get(2) instanceof String key)
        || !(t.items().get(4) instanceof Long numel)) {
      throw error(at, "a persistent id that is not a torch storage reference");
    }
    DType dtype =
        DType.ofTorchStorage(type.name())
            .orElseThrow(() -> error(at, "storage type " + type + " is unknown"));
    if (numel < 0) {
      throw error(at, "storage " + key + " has a negative size " + numel);
    }
    return new Storage(dtype, key, numel);
  }

  private long[] longs(int at, Object v, String what) throws PickleException {
    if (!(v instanceof Tuple t)) {
      throw error(at, "tensor " + what + " is not a tuple");
    }
    long[] out = new long[t.items().size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.items().get(i) instanceof Long n)) {
        throw error(at, "tensor " + what + " holds " + describe(t.items().get(i)));
      }
      out[i] = n;
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(int at, Object v) throws PickleException {
    if (v instanceof ArrayList<?> l) {
      return (List<Object>) l;
    }
    throw error(at, "APPEND to " + describe(v));
  }

  @SuppressWarnings("unchecked")
  private void put(int at, Object target, Object k, Object v) throws PickleException {
    if (!(target instanceof Map<?, ?> m)) {
      throw error(at, "SETITEM on " + describe(target));
    }
    if (!(k instanceof String || k instanceof Long)) {
      throw error(at, "a dictionary key that is " + describe(k));
    }
    ((Map<Object, Object>) m).put(k, v);
  }

  private Object get(int at, long index) throws PickleException {
    Object v = memo.get(index);
    if (v == null) {
      throw error(at, "memo entry " + index + " used before it was stored");
    }
    return v;
  }

  private void push(Object v) {
    stack.add(v);
  }

  private Object pop(int at) throws PickleException {
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    if (stack.size() <= floor) {
      throw error(at, "stack underflow");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek(int at) throws PickleException {
    if (stack.isEmpty()) {
      throw error(at, "stack underflow");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark(int at) throws PickleException {
    if (marks.isEmpty()) {
      throw error(at, "no MARK to pop to");
    }
    int from = marks.remove(marks.size() - 1);
    List<Object> sub = stack.subList(from, stack.size());
    List<Object> items = new ArrayList<>(sub);
    sub.clear();
    return items;
  }

  private int u8() throws PickleException {
    return need(1).get() & 0xff;
  }

  private ByteBuffer need(long n) throws PickleException {
    if (n > in.remaining()) {
      throw new PickleException(
          "truncated at byte "
              + in.position()
              + ": "
              + n
              + " bytes needed, "
              + in.remaining()
              + " left");
    }
    return in;
  }

  private int length(int at, long n) throws PickleException {
    if (n < 0 || n > in.remaining()) {
      throw error(at, "a string of " + n + " bytes, but only " + in.remaining() + " are left");
    }
    return (int) n;
  }

  private String utf8(int at, int n) throws PickleException {
    byte[] b = new byte[n];
    need(n).get(b);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw error(at, "a string that is not UTF-8");
    }
  }

  private String latin1(int n) throws PickleException {
    byte[] b = new byte[n];
    need(n).get(b);
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private String line(int at) throws PickleException {
    int start = in.position();
    int limit = Math.min(in.limit(), start + 256);
    for (int i = start; i < limit; i++) {
      if (in.get(i) == '\n') {
        byte[] b = new byte[i - start];
        in.get(b);
        in.get();
        return new String(b, StandardCharsets.ISO_8859_1);
      }
    }
    throw error(at, "GLOBAL without a name line");
  }

  private static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof Global g) {
      return "global " + g;
    }
    if (v instanceof String) {
      return "a string";
    }
    return "a " + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  private PickleException error(int at, String what) {
    return new PickleException(what + " (byte " + at + ")");
  }
}
