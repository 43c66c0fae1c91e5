package org.skipwire.runtime.train;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temporary files for atomic writes that end up with the permissions any other file the user
 * creates gets. {@link Files#createTempFile} makes its files {@code 0600} whatever the umask (it is
 * meant for secrets), and a rename keeps them: checkpoints and plots written that way could not be
 * read by the user's group, or by a web server showing the plots. {@link Files#createFile} without
 * attributes asks for {@code 0666}, which the umask then trims, as {@code touch} does.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** A new empty file {@code dir/<prefix><random><suffix>}, with the umask's permissions. */
  public static Path createTemp(Path dir, String prefix, String suffix) throws IOException {
    for (int attempt = 0; ; attempt++) {
      String random = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
      try {
        return Files.createFile(dir.resolve(prefix + random + suffix));
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  /**
   * Writes {@code bytes} to {@code target} through a temporary file in the same directory and an
   * atomic rename, so a reader never sees half a file.
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    String name = target.getFileName().toString();
    Path tmp = createTemp(dir, "." + name + "-", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
