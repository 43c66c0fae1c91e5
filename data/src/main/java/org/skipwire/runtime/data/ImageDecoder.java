package org.skipwire.runtime.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns a JPEG or PNG file (or a {@link BufferedImage}) into the unsigned bytes a network with
 * input {@code [c, h, w]} reads: the largest centred region with the input's aspect ratio, resized
 * to {@code h x w} (torchvision's {@code Resize} of the shorter side followed by {@code
 * CenterCrop}), grey to RGB by repeating the grey value, RGB to grey by ITU-R 601 luma (as PIL's
 * {@code convert("L")}), alpha dropped. Training, evaluation and {@code Predictor} all go through
 * here, so a picture is preprocessed the same way wherever it comes from.
 *
 * <p>The size is read from the file's header before anything is decoded, and refused above {@link
 * #MAX_SIDE} pixels a side or {@link #MAX_PIXELS} pixels in all: a few kilobytes of PNG can claim
 * 100,000 x 100,000 pixels (a decompression bomb) and would take minutes and gigabytes to inflate.
 * Images much larger than the input are decoded with ImageIO's source subsampling, so memory stays
 * near the output's size whatever the file holds.
 */
public final class ImageDecoder {
  /** The longest side accepted, in pixels: above any camera's, far below a bomb's. */
  public static final int MAX_SIDE = 20_000;

  /** The most pixels accepted in one image (100 megapixels; a 48 MP phone photo is well inside). */
  public static final long MAX_PIXELS = 100_000_000L;

  private ImageDecoder() {}

  /** Whether the file name ends in one of the extensions image folders read. */
  public static boolean hasImageExtension(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
  }

  /**
   * Reads {@code file} into {@code out[offset .. offset + c*h*w)}, channels first.
   *
   * @throws DataException naming the file: unreadable, not an image, too large, or corrupt
   */
  public static void decode(Path file, int c, int h, int w, byte[] out, int offset)
      throws DataException {
    BufferedImage image = read(file, h, w);
    toPixels(image, c, h, w, out, offset);
  }

  /** The file decoded to {@code c*h*w} bytes, channels first. */
  public static byte[] decode(Path file, int c, int h, int w) throws DataException {
    byte[] out = new byte[c * h * w];
    decode(file, c, h, w, out, 0);
    return out;
  }

  /**
   * Decodes a file, after checking its header's size against the bounds; subsampled when it is at
   * least twice the target size in both directions.
   */
  static BufferedImage read(Path file, int targetH, int targetW) throws DataException {
    String source = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new DataException(source, Files.exists(file) ? "not a regular file" : "no such file");
    }
    if (!Files.isReadable(file)) {
      throw new DataException(source, "cannot be read (permission denied)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new DataException(source, "cannot be opened");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new DataException(source, "not a PNG or JPEG image (its content is neither)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        // A truncated JPEG decodes with a warning ("Premature end of JPEG file") and grey rows.
        java.util.List<String> warnings = new java.util.ArrayList<>();
        reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
        if (!format.equals("png") && !format.equals("jpeg")) {
          throw new DataException(source, "a " + format + " image; image folders hold PNG or JPEG");
        }
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        checkSize(source, width, height);
        ImageReadParam param = reader.getDefaultReadParam();
        int step = Math.max(1, Math.min(width / (2 * targetW), height / (2 * targetH)));
        if (step > 1) {
          param.setSourceSubsampling(step, step, 0, 0);
        }
        BufferedImage image = reader.read(0, param);
        if (image == null) {
          throw new DataException(source, "corrupt image (nothing decoded)");
        }
        if (!warnings.isEmpty()) {
          throw new DataException(source, "corrupt or truncated image (" + warnings.get(0) + ")");
        }
        return image;
      } finally {
        reader.dispose();
      }
    } catch (DataException e) {
      throw e;
    } catch (IIOException e) {
      throw new DataException(source, "corrupt or truncated image (" + describe(e) + ")", e);
    } catch (IOException | RuntimeException e) {
      // ImageIO's decoders throw unchecked exceptions on some damaged streams.
      throw new DataException(source, "corrupt or truncated image (" + describe(e) + ")", e);
    }
  }

  /** Refuses sizes that are not positive or beyond the bounds, before any pixel is decoded. */
  static void checkSize(String source, long width, long height) throws DataException {
    if (width <= 0 || height <= 0) {
      throw new DataException(source, "its header gives no size (" + width + " x " + height + ")");
    }
    if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
      throw new DataException(
          source,
          String.format(
              Locale.ROOT,
              "its header claims %,d x %,d pixels, beyond the %,d-pixel side or %,d-megapixel bound;"
                  + " not decoded (resize it first)",
              width,
              height,
              MAX_SIDE,
              MAX_PIXELS / 1_000_000));
    }
  }

  /** The image as {@code c*h*w} bytes, channels first. */
  public static byte[] toPixels(BufferedImage image, int c, int h, int w) {
    byte[] out = new byte[c * h * w];
    toPixels(image, c, h, w, out, 0);
    return out;
  }

  /**
   * Writes the image's centred {@code h:w} region, resized to {@code h x w}, as {@code c} channels
   * (1 or 3) into {@code out} from {@code offset}.
   */
  public static void toPixels(BufferedImage image, int c, int h, int w, byte[] out, int offset) {
    if (c != 1 && c != 3) {
      throw new IllegalArgumentException("images have 1 or 3 channels, not " + c);
    }
    int sw = image.getWidth();
    int sh = image.getHeight();
    int[][] planes = planes(image, c);
    // The largest centred region with the output's aspect ratio.
    double cropW = Math.min(sw, sh * (double) w / h);
    double cropH = Math.min(sh, sw * (double) h / w);
    double x0 = (sw - cropW) / 2;
    double y0 = (sh - cropH) / 2;
    double sx = cropW / w;
    double sy = cropH / h;
    for (int ch = 0; ch < c; ch++) {
      int[] src = planes[ch];
      int base = offset + ch * h * w;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double v = sample(src, sw, sh, x0 + x * sx, y0 + y * sy, sx, sy);
          out[base + y * w + x] = (byte) Math.min(255, Math.max(0, (int) Math.round(v)));
        }
      }
    }
  }

  /**
   * The value of the output pixel covering source rectangle {@code [x, x + dx) x [y, y + dy)}: the
   * mean over the source pixels whose centres lie in it when shrinking (area averaging, no
   * aliasing), bilinear interpolation at its centre when enlarging.
   */
  private static double sample(
      int[] src, int sw, int sh, double x, double y, double dx, double dy) {
    if (dx > 1 || dy > 1) {
      int xa = (int) Math.floor(x + 0.5);
      int xb = Math.max(xa + 1, (int) Math.floor(x + dx + 0.5));
      int ya = (int) Math.floor(y + 0.5);
      int yb = Math.max(ya + 1, (int) Math.floor(y + dy + 0.5));
      xa = clamp(xa, sw - 1);
      ya = clamp(ya, sh - 1);
      xb = Math.min(xb, sw);
      yb = Math.min(yb, sh);
      long sum = 0;
      for (int yy = ya; yy < yb; yy++) {
        int row = yy * sw;
        for (int xx = xa; xx < xb; xx++) {
          sum += src[row + xx];
        }
      }
      return sum / (double) ((long) (xb - xa) * (yb - ya));
    }
    double cx = x + dx / 2 - 0.5;
    double cy = y + dy / 2 - 0.5;
    int ix = (int) Math.floor(cx);
    int iy = (int) Math.floor(cy);
    double fx = cx - ix;
    double fy = cy - iy;
    int x1 = clamp(ix, sw - 1);
    int x2 = clamp(ix + 1, sw - 1);
    int y1 = clamp(iy, sh - 1);
    int y2 = clamp(iy + 1, sh - 1);
    double top = src[y1 * sw + x1] * (1 - fx) + src[y1 * sw + x2] * fx;
    double bottom = src[y2 * sw + x1] * (1 - fx) + src[y2 * sw + x2] * fx;
    return top * (1 - fy) + bottom * fy;
  }

  private static int clamp(int v, int max) {
    return v < 0 ? 0 : Math.min(v, max);
  }

  /**
   * The image's pixels as {@code c} planes of 0..255 values. Grey images are read from the raster:
   * {@link BufferedImage#getRGB} would pass them through a colour conversion that brightens them.
   */
  private static int[][] planes(BufferedImage image, int c) {
    int sw = image.getWidth();
    int sh = image.getHeight();
    int n = sw * sh;
    Raster raster = image.getRaster();
    boolean grey =
        image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
            && raster.getNumBands() <= 2;
    if (grey) {
      int bits = image.getColorModel().getComponentSize(0);
      int[] g = raster.getSamples(0, 0, sw, sh, 0, new int[n]);
      if (bits != 8) {
        int max = (1 << bits) - 1;
        for (int i = 0; i < n; i++) {
          g[i] = Math.round(g[i] * 255f / max);
        }
      }
      return c == 1 ? new int[][] {g} : new int[][] {g, g, g};
    }
    int[] argb = image.getRGB(0, 0, sw, sh, null, 0, sw);
    if (c == 1) {
      int[] g = new int[n];
      for (int i = 0; i < n; i++) {
        int p = argb[i];
        g[i] =
            (int)
                Math.round(
                    0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF));
      }
      return new int[][] {g};
    }
    int[] r = new int[n];
    int[] gr = new int[n];
    int[] b = new int[n];
    for (int i = 0; i < n; i++) {
      int p = argb[i];
      r[i] = (p >> 16) & 0xFF;
      gr[i] = (p >> 8) & 0xFF;
      b[i] = p & 0xFF;
    }
    return new int[][] {r, gr, b};
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
