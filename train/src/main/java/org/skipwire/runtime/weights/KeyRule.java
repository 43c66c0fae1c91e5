package org.skipwire.runtime.weights;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rewrite of a vertex name on its way to a state_dict key, like a sed {@code s/regex/template/}
 * applied to the first match. The template copies groups with {@code {1}} and shifts numbered
 * groups with {@code {1+1}} or {@code {1-1}}, since skipwire numbers blocks from 0 and stages after
 * their field names ({@code conv2.b0.} is torchvision's {@code layer1.0.}, DenseNet's {@code
 * block1.b0.} its {@code denseblock1.denselayer1.}):
 *
 * <pre>{@code
 * KeyRule.of("^conv(\\d+)\\.b(\\d+)\\.", "layer{1-1}.{2}.")      // conv2.b0.conv1 -> layer1.0.conv1
 * KeyRule.of("\\.conv(\\d+)\\.bn$", ".bn{1}")                     // layer1.0.conv1.bn -> layer1.0.bn1
 * }</pre>
 */
public final class KeyRule {
  private static final Pattern SLOT = Pattern.compile("\\{(\\d+)(?:([+-])(\\d+))?}");

  private final Pattern pattern;
  private final String template;

  private KeyRule(Pattern pattern, String template) {
    this.pattern = pattern;
    this.template = template;
  }

  /**
   * @param regex a Java regular expression searched in the name
   * @param template the replacement of the first match; {@code {n}}, {@code {n+k}}, {@code {n-k}}
   *     insert group n, as is or shifted by k (the group must then be a number)
   * @throws IllegalArgumentException for a bad expression, or a template naming a group it lacks
   */
  public static KeyRule of(String regex, String template) {
    Pattern p = Pattern.compile(regex);
    Matcher slots = SLOT.matcher(Objects.requireNonNull(template, "template"));
    int groups = p.matcher("").groupCount();
    while (slots.find()) {
      if (Integer.parseInt(slots.group(1)) > groups) {
        throw new IllegalArgumentException(
            "template "
                + template
                + " uses group "
                + slots.group(1)
                + " but "
                + regex
                + " has "
                + groups);
      }
    }
    return new KeyRule(p, template);
  }

  /** The name with its first match rewritten, or the name itself if nothing matches. */
  public String apply(String name) {
    Matcher m = pattern.matcher(name);
    if (!m.find()) {
      return name;
    }
    StringBuilder replaced = new StringBuilder();
    Matcher slots = SLOT.matcher(template);
    int last = 0;
    while (slots.find()) {
      replaced.append(template, last, slots.start());
      String group = m.group(Integer.parseInt(slots.group(1)));
      String value = group == null ? "" : group;
      if (slots.group(2) != null) {
        long shift = Long.parseLong(slots.group(3));
        value =
            Long.toString(Long.parseLong(value) + (slots.group(2).equals("+") ? shift : -shift));
      }
      replaced.append(value);
      last = slots.end();
    }
    replaced.append(template, last, template.length());
    return name.substring(0, m.start()) + replaced + name.substring(m.end());
  }

  @Override
  public String toString() {
    return "s/" + pattern + "/" + template + "/";
  }
}
