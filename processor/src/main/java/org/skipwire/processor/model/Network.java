package org.skipwire.processor.model;

import java.util.List;

/**
 * A {@code @Network} class as declared.
 *
 * @param packageName the package of the class, where the graph class goes
 * @param simpleName the class's simple name
 * @param name the name programs use, e.g. {@code resnet18}
 * @param inputOrigin the {@code @Input} annotation
 */
public record Network(
    String packageName,
    String simpleName,
    String name,
    Origin origin,
    Shape input,
    Origin inputOrigin,
    List<Step> trunk) {

  public Network {
    trunk = List.copyOf(trunk);
  }

  public String qualifiedName() {
    return packageName.isEmpty() ? simpleName : packageName + "." + simpleName;
  }
}
