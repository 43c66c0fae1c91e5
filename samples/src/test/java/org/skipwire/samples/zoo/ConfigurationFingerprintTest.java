package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;

/**
 * Every zoo network's DL4J configuration (its JSON: vertex names, order, every size) and its vertex
 * table, against fingerprints recorded before the generator was rewritten. A generator change that
 * alters any vertex name (a parameter key: checkpoints depend on it), order or size fails here.
 * Networks added later are not in the file; {@code -Dskipwire.updateFingerprints} rewrites it under
 * {@code src/test/resources} (run from the {@code samples} module), and the diff is the review.
 */
class ConfigurationFingerprintTest {
  private static final String FILE = "zoo-configurations.txt";

  @Test
  void everyRecordedNetworkBuildsTheSameConfigurationAndTable() throws IOException {
    Map<String, SkipwireModel> models = new LinkedHashMap<>();
    Models.all().forEach(m -> models.put(m.name(), m));
    if (System.getProperty("skipwire.updateFingerprints") != null) {
      String text =
          models.values().stream()
              .map(m -> m.name() + " " + fingerprint(m))
              .collect(Collectors.joining("\n", "", "\n"));
      Files.writeString(Path.of("src/test/resources/org/skipwire/samples/zoo/" + FILE), text);
      return;
    }
    Map<String, String> recorded = new LinkedHashMap<>();
    try (InputStream in = getClass().getResourceAsStream(FILE)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int space = line.indexOf(' ');
        recorded.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    assertTrue(recorded.size() >= 35, "fingerprints of " + recorded.size() + " networks");
    for (Map.Entry<String, String> e : recorded.entrySet()) {
      SkipwireModel model = models.get(e.getKey());
      assertTrue(model != null, e.getKey() + " is no longer generated");
      assertEquals(e.getValue(), fingerprint(model), e.getKey());
    }
  }

  /** SHA-256 of the configuration's JSON, then of the vertex table. */
  private static String fingerprint(SkipwireModel model) {
    String json = model.configuration().toJson();
    List<String> rows = model.vertices().stream().map(Object::toString).toList();
    return sha256(json) + " " + sha256(String.join("\n", rows));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
