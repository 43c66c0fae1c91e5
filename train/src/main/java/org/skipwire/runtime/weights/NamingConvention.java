package org.skipwire.runtime.weights;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a network's vertex names become state_dict keys: an ordered list of {@link KeyRule}s applied
 * one after another to each vertex name (sed style), and then PyTorch's parameter name appended:
 * {@code weight} and {@code bias} for convolutions and dense layers, {@code weight}, {@code bias},
 * {@code running_mean} and {@code running_var} for batch norm, DL4J's own key for anything else.
 * {@link #SKIPWIRE} has no rules: keys are the vertex names ({@code conv3.b0.conv1.weight}). {@link
 * TorchvisionNames} holds the conventions of torchvision's families; a declaration of your own gets
 * one in a few lines:
 *
 * <pre>{@code
 * NamingConvention mine = NamingConvention.named("my-unet")
 *     .rename("^enc(\\d+)$", "encoder.{1}.conv")
 *     .rename("\\.bn$", ".norm")
 *     .build();
 * }</pre>
 */
public final class NamingConvention {
  /** Keys are skipwire's vertex names: what {@link SafetensorsWriter} writes by default. */
  public static final NamingConvention SKIPWIRE = named("skipwire").build();

  private final String name;
  private final List<KeyRule> rules;

  private NamingConvention(String name, List<KeyRule> rules) {
    this.name = name;
    this.rules = List.copyOf(rules);
  }

  /** Starts a convention; its name appears in messages and on the command line. */
  public static Builder named(String name) {
    return new Builder(Objects.requireNonNull(name, "name"));
  }

  public String name() {
    return name;
  }

  public List<KeyRule> rules() {
    return rules;
  }

  /** The state_dict prefix of a vertex, e.g. {@code layer1.0.bn1} for {@code conv2.b0.conv1.bn}. */
  public String module(String vertex) {
    String key = vertex;
    for (KeyRule r : rules) {
      key = r.apply(key);
    }
    return key;
  }

  @Override
  public String toString() {
    return name;
  }

  /** Collects rules in the order they apply. */
  public static final class Builder {
    private final String name;
    private final List<KeyRule> rules = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Adds {@link KeyRule#of(String, String)}. */
    public Builder rename(String regex, String template) {
      rules.add(KeyRule.of(regex, template));
      return this;
    }

    public NamingConvention build() {
      return new NamingConvention(name, rules);
    }
  }
}
