/**
 * The skipwire DSL. A class annotated {@link org.skipwire.Network} declares a network; its fields,
 * in declaration order, are the trunk. A field typed {@link org.skipwire.Layer} is one layer step
 * ({@link org.skipwire.Conv}, {@link org.skipwire.BatchNorm}, {@link org.skipwire.Activation},
 * pools, {@link org.skipwire.Dense}); a field typed with a block class and annotated {@link
 * org.skipwire.Stage} repeats that block. A block is a class annotated with a connection annotation
 * such as {@link org.skipwire.ResidualBlock}; its fields are the branch F(x).
 *
 * <p>Shapes are written channels first: {@code [channels, height, width]} for feature maps and
 * {@code [features]} for flat vectors.
 */
package org.skipwire;
