package org.skipwire.processor.model;

import java.util.List;

/**
 * A {@code @Network} class as declared.
 *
 * @param packageName the package of the class, where the graph class goes
 * @param simpleName the class's simple name
 * @param name the name programs use, e.g. {@code resnet18}
 * @param inputOrigin the {@code @Input} annotation
 * @param graphName the generated class is {@code <graphName>Graph}: the simple name, or a family
 *     member's class name
 */
public record Network(
    String packageName,
    String simpleName,
    String name,
    Origin origin,
    Shape input,
    Origin inputOrigin,
    List<Step> trunk,
    StochasticDepthSpec stochasticDepth,
    String graphName) {

  /** {@code @StochasticDepth}: the last block's survival probability. */
  public record StochasticDepthSpec(double finalSurvival, Origin origin) {}

  public Network {
    trunk = List.copyOf(trunk);
  }

  /** A network that is not a family member: its graph is named after its class. */
  public Network(
      String packageName,
      String simpleName,
      String name,
      Origin origin,
      Shape input,
      Origin inputOrigin,
      List<Step> trunk,
      StochasticDepthSpec stochasticDepth) {
    this(
        packageName,
        simpleName,
        name,
        origin,
        input,
        inputOrigin,
        trunk,
        stochasticDepth,
        simpleName);
  }

  /** The same network without stochastic depth. */
  public Network(
      String packageName,
      String simpleName,
      String name,
      Origin origin,
      Shape input,
      Origin inputOrigin,
      List<Step> trunk) {
    this(packageName, simpleName, name, origin, input, inputOrigin, trunk, null);
  }

  public String qualifiedName() {
    return packageName.isEmpty() ? simpleName : packageName + "." + simpleName;
  }
}
