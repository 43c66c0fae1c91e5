package org.skipwire.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the generated networks on the class path through their service registrations. */
public final class Models {
  private Models() {}

  /** Every registered network, sorted by name. */
  public static List<SkipwireModel> all() {
    return all(Thread.currentThread().getContextClassLoader());
  }

  /** Every network registered with the given class loader, sorted by name. */
  public static List<SkipwireModel> all(ClassLoader loader) {
    List<SkipwireModel> models = new ArrayList<>();
    ServiceLoader.load(SkipwireModel.class, loader).forEach(models::add);
    models.sort(Comparator.comparing(SkipwireModel::name, Models::naturalOrder));
    return models;
  }

  /** The network with this name, if one is registered. */
  public static Optional<SkipwireModel> find(String name) {
    return all().stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /** Orders "resnet110" after "resnet56": runs of digits compare as numbers. */
  static int naturalOrder(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
        while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
        int c =
            Long.compare(Long.parseLong(a.substring(si, i)), Long.parseLong(b.substring(sj, j)));
        if (c != 0) return c;
      } else {
        if (ca != cb) return Character.compare(ca, cb);
        i++;
        j++;
      }
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
