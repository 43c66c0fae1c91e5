package org.skipwire.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.weights.Thrown.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers on honest files and on files that lie: each bad file is one line naming it (and the
 * tensor), refused at open, before anything is read.
 */
class WeightsFileTest {
  @TempDir Path dir;

  private static final String ONE =
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";

  @Test
  void readsSafetensorsOfEveryFloatingType() throws IOException {
    ByteBuffer d = ByteBuffer.allocate(16 + 4 + 4 + 16 + 8).order(ByteOrder.LITTLE_ENDIAN);
    d.asFloatBuffer().put(new float[] {1, -2, 3.5f, 0});
    d.position(16);
    d.putShort((short) 0x3c00).putShort((short) 0xc000); // F16 1, -2
    d.putShort((short) 0x3fc0).putShort((short) 0x4049); // BF16 1.5, 3.140625
    d.putDouble(0.25).putDouble(-8);
    d.putLong(7); // I64 counter
    String header =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"f32\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
            + "\"f16\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]},"
            + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[20,24]},"
            + "\"f64\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[24,40]},"
            + "\"count\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[40,48]}}";
    Path p = Files2.safetensors(dir, "all.safetensors", header, d.array());
    try (WeightsFile f = WeightsFile.open(p)) {
      assertEquals("safetensors", f.format());
      assertEquals(
          List.of("f32", "f16", "bf16", "f64", "count"), List.copyOf(f.tensors().keySet()));
      assertEquals(List.of(2L, 2L), f.tensors().get("f32").shape());
      assertArrayEquals(new float[] {1, -2, 3.5f, 0}, f.readFloats("f32"));
      assertArrayEquals(new float[] {1, -2}, f.readFloats("f16"));
      assertArrayEquals(new float[] {1.5f, 3.140625f}, f.readFloats("bf16"));
      assertArrayEquals(new float[] {0.25f, -8}, f.readFloats("f64"));
      assertThatThrownBy(() -> f.readFloats("count"))
          .hasMessage(
              p
                  + ": count: dtype I64 is not floating point; a network takes F32, F16, BF16 or F64");
    }
  }

  @Test
  void halfPrecisionCornerCases() {
    assertEquals(0x1p-24f, DType.halfToFloat(0x0001)); // smallest subnormal
    assertEquals(65504f, DType.halfToFloat(0x7bff)); // largest normal
    assertEquals(Float.POSITIVE_INFINITY, DType.halfToFloat(0x7c00));
    assertEquals(-0.0f, DType.halfToFloat(0x8000));
    assertTrue(Float.isNaN(DType.halfToFloat(0x7e00)));
  }

  @Test
  void headerLengthLargerThanTheFile() throws IOException {
    ByteBuffer b =
        ByteBuffer.allocate(12)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(1L << 40)
            .put("{}  ".getBytes());
    Path p = dir.resolve("long.safetensors");
    Files.write(p, b.array());
    assertThatThrownBy(() -> WeightsFile.open(p))
        .isInstanceOf(WeightsException.class)
        .hasMessage(
            p
                + ": header length 1099511627776 does not fit the file's 12 bytes; the file is truncated or not safetensors");
  }

  @Test
  void offsetsPastTheEnd() throws IOException {
    Path p =
        Files2.safetensors(
            dir, "past.safetensors", ONE.replace("[0,16]", "[0,16]"), Files2.floats(1, 2));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(
            p
                + ": a: data_offsets [0, 16] lie outside the 8 data bytes; the file is truncated or its header lies");
  }

  @Test
  void offsetsThatDisagreeWithTheShape() throws IOException {
    Path p =
        Files2.safetensors(
            dir, "span.safetensors", ONE.replace("[0,16]", "[0,12]"), Files2.floats(1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(p + ": a: data_offsets [0, 12] span 12 bytes, but F32 [2, 2] needs 16");
  }

  @Test
  void overlappingRanges() throws IOException {
    String h =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    Path p = Files2.safetensors(dir, "overlap.safetensors", h, Files2.floats(1, 2, 3));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(p + ": a [0, 8] and b [4, 12] overlap; the header lies about its offsets");
  }

  @Test
  void negativeAndHugeShapes() throws IOException {
    Path neg =
        Files2.safetensors(
            dir, "neg.safetensors", ONE.replace("[2,2]", "[-2,-2]"), Files2.floats(1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(neg))
        .hasMessage(neg + ": a: shape [-2, -2] has a dimension that is not a non-negative integer");
    Path huge =
        Files2.safetensors(
            dir,
            "huge.safetensors",
            ONE.replace("[2,2]", "[4294967296,4294967296,4294967296]"),
            Files2.floats(1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(huge))
        .hasMessage(
            huge
                + ": a: shape [4294967296, 4294967296, 4294967296] has more elements than a long holds");
    Path big =
        Files2.safetensors(
            dir,
            "big.safetensors",
            ONE.replace("[2,2]", "[65536,65536]"),
            Files2.floats(1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(big))
        .hasMessage(
            big + ": a: shape [65536, 65536] has 4294967296 elements, more than 2147483639");
    Path beyondLong =
        Files2.safetensors(
            dir,
            "int.safetensors",
            ONE.replace("[2,2]", "[99999999999999999999]"),
            Files2.floats(1));
    assertThatThrownBy(() -> WeightsFile.open(beyondLong))
        .hasMessageStartingWith(
            beyondLong + ": header is not valid JSON: integer 99999999999999999999 out of range");
  }

  @Test
  void duplicateKeys() throws IOException {
    String h =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    Path p = Files2.safetensors(dir, "dup.safetensors", h, Files2.floats(1, 2));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(p + ": header is not valid JSON: duplicate key \"a\" at character 54");
  }

  @Test
  void unknownDtypeAndBadJson() throws IOException {
    Path dt =
        Files2.safetensors(
            dir, "dt.safetensors", ONE.replace("F32", "C64"), Files2.floats(1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(dt)).hasMessage(dt + ": a: unknown dtype C64");
    Path js = Files2.safetensors(dir, "js.safetensors", "{\"a\":[1,2,", new byte[0]);
    assertThatThrownBy(() -> WeightsFile.open(js))
        .hasMessage(js + ": header is not valid JSON: unexpected end at character 10");
    Path deep =
        Files2.safetensors(dir, "deep.safetensors", "{\"a\":" + "[".repeat(10_000), new byte[0]);
    assertThatThrownBy(() -> WeightsFile.open(deep))
        .hasMessageStartingWith(deep + ": header is not valid JSON: nested more than 64 deep");
  }

  @Test
  void truncatedSafetensors() throws IOException {
    Path p = Files2.safetensors(dir, "cut.safetensors", ONE, Files2.floats(1, 2, 3, 4));
    byte[] all = Files.readAllBytes(p);
    Files.write(p, java.util.Arrays.copyOf(all, all.length - 3));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(
            p
                + ": a: data_offsets [0, 16] lie outside the 13 data bytes; the file is truncated or its header lies");
    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {5, 0, 0});
    assertThatThrownBy(() -> WeightsFile.open(tiny))
        .hasMessage(
            tiny
                + ": neither a safetensors file nor a torch.save zip (starts with bytes 05 00 00)");
  }

  @Test
  void neitherFormat() throws IOException {
    Path text = dir.resolve("notes.pth");
    Files.writeString(text, "these are not weights at all");
    assertThatThrownBy(() -> WeightsFile.open(text))
        .hasMessage(
            text
                + ": neither a safetensors file nor a torch.save zip (starts with bytes 74 68 65 73 65 20 61 72)");
    Path empty = dir.resolve("empty.safetensors");
    Files.write(empty, new byte[0]);
    assertThatThrownBy(() -> WeightsFile.open(empty))
        .hasMessage(
            empty + ": neither a safetensors file nor a torch.save zip (the file is empty)");
    assertThatThrownBy(() -> WeightsFile.open(dir.resolve("absent.pth")))
        .hasMessage(dir.resolve("absent.pth") + ": no such file");
    Path legacy = dir.resolve("legacy.pth");
    Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a});
    assertThatThrownBy(() -> WeightsFile.open(legacy))
        .hasMessageStartingWith(legacy + ": a legacy torch.save file");
    Path zip = Files2.zip(dir, "other.zip", new byte[0], Map.of()).resolveSibling("other.zip");
    java.nio.file.Files.delete(zip);
    try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
      z.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
      z.write("hello".getBytes());
    }
    assertThatThrownBy(() -> WeightsFile.open(zip))
        .hasMessage(zip + ": a zip without <archive>/data.pkl, so not a torch.save file");
  }

  private static Map<String, byte[]> storage(String key, float... v) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put(key, Files2.floats(v));
    return m;
  }

  private static byte[] stateDict(
      String name, String type, int numel, int offset, int[] size, int[] stride) {
    return new Files2.Pickle()
        .orderedDict()
        .op('(')
        .str(name)
        .tensor(type, "0", numel, offset, size, stride)
        .op('u')
        .stop();
  }

  @Test
  void readsAStateDictPickle() throws IOException {
    Path p =
        Files2.zip(
            dir,
            "ok.pth",
            stateDict("w", "FloatStorage", 6, 0, new int[] {2, 3}, new int[] {3, 1}),
            storage("0", 1, 2, 3, 4, 5, 6));
    try (WeightsFile f = WeightsFile.open(p)) {
      assertEquals("torch.save zip", f.format());
      assertEquals(List.of(2L, 3L), f.tensors().get("w").shape());
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, f.readFloats("w"));
    }
    // A transposed view of the same storage, with an offset.
    Path t =
        Files2.zip(
            dir,
            "view.pth",
            stateDict("w", "FloatStorage", 6, 1, new int[] {2, 2}, new int[] {1, 2}),
            storage("0", 1, 2, 3, 4, 5, 6));
    try (WeightsFile f = WeightsFile.open(t)) {
      assertArrayEquals(new float[] {2, 4, 3, 5}, f.readFloats("w"));
    }
  }

  @Test
  void aTensorViewBeyondItsStorage() throws IOException {
    Path p =
        Files2.zip(
            dir,
            "beyond.pth",
            stateDict("w", "FloatStorage", 4, 2, new int[] {2, 2}, new int[] {2, 1}),
            storage("0", 1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(
            p
                + ": w: reaches element 5 of storage 0, which holds 4; the pickle lies about its storage");
    Path neg =
        Files2.zip(
            dir,
            "neg.pth",
            stateDict("w", "FloatStorage", 4, 0, new int[] {-2, 2}, new int[] {2, 1}),
            storage("0", 1, 2, 3, 4));
    assertThatThrownBy(() -> WeightsFile.open(neg))
        .hasMessage(neg + ": w: negative size or stride in [-2, 2]");
  }

  @Test
  void aStorageShorterThanItsPickleSays() throws IOException {
    Path p =
        Files2.zip(
            dir,
            "short.pth",
            stateDict("w", "FloatStorage", 6, 0, new int[] {6}, new int[] {1}),
            storage("0", 1, 2, 3));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(
            p
                + ": w: storage 0 should hold 24 bytes (6 x F32) but its zip entry has 12; the file is truncated or damaged");
    Path missing =
        Files2.zip(
            dir,
            "nostorage.pth",
            stateDict("w", "FloatStorage", 3, 0, new int[] {3}, new int[] {1}),
            Map.of());
    assertThatThrownBy(() -> WeightsFile.open(missing))
        .hasMessage(missing + ": w: its storage archive/data/0 is not in the zip");
  }

  @Test
  void aTruncatedZip() throws IOException {
    Path p =
        Files2.zip(
            dir,
            "cut.pth",
            stateDict("w", "FloatStorage", 3, 0, new int[] {3}, new int[] {1}),
            storage("0", 1, 2, 3));
    byte[] all = Files.readAllBytes(p);
    Files.write(p, java.util.Arrays.copyOf(all, all.length / 2));
    assertThatThrownBy(() -> WeightsFile.open(p))
        .isInstanceOf(WeightsException.class)
        .hasMessageStartingWith(p + ": not a readable zip (")
        .hasMessageEndingWith("); the file is truncated or damaged");
  }

  @Test
  void aNonFloatTensorIsListedButNotRead() throws IOException {
    Path p =
        Files2.zip(
            dir,
            "long.pth",
            stateDict("n", "LongStorage", 1, 0, new int[] {}, new int[] {}),
            Map.of("0", new byte[8]));
    try (WeightsFile f = WeightsFile.open(p)) {
      assertEquals(DType.I64, f.tensors().get("n").dtype());
      assertThatThrownBy(() -> f.readFloats("n"))
          .hasMessageContaining("n: dtype I64 is not floating point");
    }
  }

  /** A pickle that would run a shell command in Python: refused at its GLOBAL, never called. */
  @Test
  void aPickleThatCallsSomethingElseIsRefused() throws IOException {
    Path marker = dir.resolve("pwned");
    byte[] evil =
        new Files2.Pickle()
            .global("posix", "system")
            .str("touch " + marker)
            .op(0x85)
            .op('R')
            .stop();
    Path p = Files2.zip(dir, "evil.pth", evil, Map.of());
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(
            p
                + ": archive/data.pkl: global posix.system is not one a state_dict uses; refused, nothing was executed (byte 2)");
    assertFalse(Files.exists(marker));
    byte[] builtin = new Files2.Pickle().global("builtins", "eval").stop();
    assertThatThrownBy(() -> WeightsFile.open(Files2.zip(dir, "eval.pth", builtin, Map.of())))
        .hasMessageEndingWith(
            "global builtins.eval is not one a state_dict uses; refused, nothing was executed (byte 2)");
  }

  @Test
  void anOpcodeAStateDictNeverUsesIsRefused() throws IOException {
    // INST ('i') builds an instance of any class by name, as GLOBAL then REDUCE would.
    byte[] inst = new Files2.Pickle().op('(').op('i').stop();
    Path p = Files2.zip(dir, "inst.pth", inst, Map.of());
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(
            p
                + ": archive/data.pkl: opcode 0x69 ('i') is not one a state_dict uses; refused, nothing was executed (byte 3)");
    // An allowed global called where a state_dict never calls it.
    byte[] storageCall = new Files2.Pickle().global("torch", "FloatStorage").op(')').op('R').stop();
    assertThatThrownBy(() -> WeightsFile.open(Files2.zip(dir, "call.pth", storageCall, Map.of())))
        .hasMessageEndingWith(
            "REDUCE calls torch.FloatStorage, which a state_dict never calls (byte 23)");
  }

  @Test
  void malformedPicklesEndInOneLine() throws IOException {
    List<byte[]> bad =
        List.of(
            new byte[] {(byte) 0x80, 2}, // no STOP
            new byte[] {(byte) 0x80, 2, '.'}, // STOP on an empty stack
            new byte[] {
              (byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f
            }, // a 2 GB string
            new byte[] {(byte) 0x80, 2, 'h', 9, '.'}, // memo never stored
            new byte[] {(byte) 0x80, 2, 'u', '.'}, // SETITEMS without MARK
            new byte[] {(byte) 0x80, 9}); // protocol 9
    for (byte[] b : bad) {
      Path p = Files2.zip(dir, "bad.pth", b, Map.of());
      assertThatThrownBy(() -> WeightsFile.open(p))
          .isInstanceOf(WeightsException.class)
          .hasMessageStartingWith(p + ": archive/data.pkl: ");
    }
  }

  /** A pickle of repeated opcodes finishes in bounded time and memory: each byte does O(1) work. */
  @Test
  void aLargePickleIsBoundedByItsSize() throws IOException {
    byte[] b = new byte[2_000_003];
    b[0] = (byte) 0x80;
    b[1] = 2;
    java.util.Arrays.fill(b, 2, b.length - 1, (byte) '}'); // two million empty dicts
    b[b.length - 1] = '.';
    long t0 = System.nanoTime();
    Path p = Files2.zip(dir, "many.pth", b, Map.of());
    assertThatThrownBy(() -> WeightsFile.open(p))
        .hasMessage(p + ": archive/data.pkl: holds no tensors");
    assertTrue((System.nanoTime() - t0) / 1e9 < 5);
  }
}
