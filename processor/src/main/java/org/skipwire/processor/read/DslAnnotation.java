package org.skipwire.processor.read;

import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import org.skipwire.Activation;
import org.skipwire.AvgPool;
import org.skipwire.BatchNorm;
import org.skipwire.Concat;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.DenseConnect;
import org.skipwire.Dropout;
import org.skipwire.GatedSkip;
import org.skipwire.GlobalAvgPool;
import org.skipwire.GroupNorm;
import org.skipwire.HighwayGate;
import org.skipwire.LastStep;
import org.skipwire.LayerNorm;
import org.skipwire.MaxPool;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.PositionEmbedding;
import org.skipwire.ReZero;
import org.skipwire.ResidualBlock;
import org.skipwire.SelfAttention;
import org.skipwire.Sequential;
import org.skipwire.ShakeShake;
import org.skipwire.Shortcut;
import org.skipwire.SqueezeExcite;
import org.skipwire.Stage;
import org.skipwire.StochasticDepth;
import org.skipwire.Transition;
import org.skipwire.TransposedConv;
import org.skipwire.Upsample;
import org.skipwire.Variant;
import org.skipwire.Variants;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.Op;

/**
 * Every annotation of the DSL, once: its type, where it may stand and, for ops and connections, how
 * it is read. The processor's supported types, the misplacement check and the reader's dispatch all
 * come from this table, so an annotation added to the DSL is either here, with its place and
 * reader, or unknown to every stage alike (an op or a connection without a reader fails the first
 * time the table loads, in every test).
 */
public enum DslAnnotation {
  // The weight or pooling op of a Layer field, at most one per field; the order is the order
  // messages name them in.
  CONV(
      Conv.class,
      (a, m, at) ->
          new Op.Conv(
              a.intValue(m, "kernel"),
              a.intValue(m, "stride"),
              a.intValue(m, "filters"),
              a.intValue(m, "width"),
              a.intValue(m, "padding"),
              a.intValue(m, "groups"),
              a.intValue(m, "dilation"),
              a.booleanValue(m, "causal"),
              at,
              a.intValue(m, "expansion"),
              a.booleanValue(m, "bias"))),
  DENSE(
      Dense.class, (a, m, at) -> new Op.Dense(a.intValue(m, "units"), a.intValue(m, "width"), at)),
  MAX_POOL(MaxPool.class, (a, m, at) -> pool(true, a, m, at)),
  AVG_POOL(AvgPool.class, (a, m, at) -> pool(false, a, m, at)),
  GLOBAL_AVG_POOL(GlobalAvgPool.class, (a, m, at) -> new Op.GlobalAvgPool(at)),
  TRANSITION(
      Transition.class, (a, m, at) -> new Op.Transition(a.doubleValue(m, "compression"), at)),
  CONCAT(Concat.class, (a, m, at) -> new Op.Concat(a.stringValue(m, "from"), at)),
  TRANSPOSED_CONV(
      TransposedConv.class,
      (a, m, at) ->
          new Op.TransposedConv(
              a.intValue(m, "kernel"),
              a.intValue(m, "stride"),
              a.intValue(m, "filters"),
              a.intValue(m, "width"),
              a.intValue(m, "padding"),
              at)),
  UPSAMPLE(Upsample.class, (a, m, at) -> new Op.Upsample(a.intValue(m, "scale"), at)),
  SELF_ATTENTION(
      SelfAttention.class, (a, m, at) -> new Op.SelfAttention(a.intValue(m, "heads"), at)),
  POSITION_EMBEDDING(PositionEmbedding.class, (a, m, at) -> new Op.PositionEmbedding(at)),
  LAST_STEP(LastStep.class, (a, m, at) -> new Op.LastStep(at)),

  // The rest of a Layer field: each read into its own part of the step.
  BATCH_NORM(BatchNorm.class, Place.LAYER),
  LAYER_NORM(LayerNorm.class, Place.LAYER),
  GROUP_NORM(GroupNorm.class, Place.LAYER),
  ACTIVATION(Activation.class, Place.LAYER),
  OUTPUT(Output.class, Place.LAYER),
  DROPOUT(Dropout.class, Place.LAYER),

  STAGE(Stage.class, Place.STAGE),
  SHORTCUT(Shortcut.class, Place.SHORTCUT),

  SQUEEZE_EXCITE(SqueezeExcite.class, Place.RESIDUAL_OPTION),
  REZERO(ReZero.class, Place.RESIDUAL_OPTION),
  GATED_SKIP(GatedSkip.class, Place.RESIDUAL_OPTION),

  // What makes a class a block, at most one per class.
  RESIDUAL_BLOCK(ResidualBlock.class, (r, type, m, at) -> r.residual(type, m)),
  DENSE_CONNECT(
      DenseConnect.class,
      (r, type, m, at) -> new Connection.Dense(r.values().intValue(m, "growthRate"), at)),
  HIGHWAY_GATE(
      HighwayGate.class,
      (r, type, m, at) ->
          new Connection.Highway(
              r.values().doubleValue(m, "gateBias"),
              r.values().booleanValue(m, "independentCarry"),
              r.values().intValue(m, "gateKernel"),
              at)),
  SHAKE_SHAKE(ShakeShake.class, (r, type, m, at) -> new Connection.ShakeShake()),
  SEQUENTIAL(Sequential.class, (r, type, m, at) -> new Connection.Sequential()),

  NETWORK(Network.class, Place.NETWORK),
  STOCHASTIC_DEPTH(StochasticDepth.class, Place.NETWORK_OPTION),
  VARIANT(Variant.class, Place.NETWORK_OPTION),
  /** The container javac writes for two or more {@code @Variant}s; messages call it Variant. */
  VARIANTS(Variants.class, Place.NETWORK_OPTION);

  /** Where an annotation may stand. */
  public enum Place {
    /** {@code @Network} on a class. */
    NETWORK,
    /** On a {@code @Network} class. */
    NETWORK_OPTION,
    /** On a class, making it a block. */
    CONNECTION,
    /** On a {@code @ResidualBlock} class. */
    RESIDUAL_OPTION,
    /** On a {@code @ResidualBlock} class or a block-typed field of a network or block. */
    SHORTCUT,
    /** On a block-typed field of a network or block. */
    STAGE,
    /** On a {@code Layer} field: its weight or pooling op. */
    OP,
    /** On a {@code Layer} field: its norm, activation, output or dropout. */
    LAYER
  }

  /** Reads an op annotation's values into the model. */
  interface OpReader {
    Op read(Annotations values, AnnotationMirror mirror, ElementOrigin at);
  }

  /** Reads a connection annotation on a block class into the model. */
  interface ConnectionReader {
    Connection read(
        NetworkReader reader, TypeElement type, AnnotationMirror mirror, ElementOrigin at);
  }

  private final Class<? extends Annotation> type;
  private final Place place;
  private final OpReader opReader;
  private final ConnectionReader connectionReader;

  DslAnnotation(Class<? extends Annotation> type, OpReader reader) {
    this(type, Place.OP, reader, null);
  }

  DslAnnotation(Class<? extends Annotation> type, ConnectionReader reader) {
    this(type, Place.CONNECTION, null, reader);
  }

  DslAnnotation(Class<? extends Annotation> type, Place place) {
    this(type, place, null, null);
  }

  DslAnnotation(
      Class<? extends Annotation> type,
      Place place,
      OpReader opReader,
      ConnectionReader connectionReader) {
    if ((place == Place.OP) != (opReader != null)
        || (place == Place.CONNECTION) != (connectionReader != null)) {
      throw new IllegalArgumentException(type + ": an op or connection needs its reader");
    }
    this.type = type;
    this.place = place;
    this.opReader = opReader;
    this.connectionReader = connectionReader;
  }

  public Class<? extends Annotation> type() {
    return type;
  }

  public Place place() {
    return place;
  }

  /** The name messages use: {@code Variant} for the container too, as the user wrote it. */
  public String shownAs() {
    return this == VARIANTS ? VARIANT.type.getSimpleName() : type.getSimpleName();
  }

  /** This annotation on the element, if written there. */
  Optional<AnnotationMirror> find(Element element) {
    return Annotations.find(element, type);
  }

  boolean on(Element element) {
    return find(element).isPresent();
  }

  /** The annotations that may stand in one of these places, in table order. */
  public static List<DslAnnotation> in(Place... places) {
    Set<Place> wanted = Set.of(places);
    return Stream.of(values()).filter(a -> wanted.contains(a.place)).toList();
  }

  /** What {@code getSupportedAnnotationTypes} returns: every annotation of the table. */
  public static Set<String> supportedTypes() {
    return Stream.of(values())
        .map(a -> a.type.getCanonicalName())
        .collect(Collectors.toUnmodifiableSet());
  }

  /** An op annotation's value in the model; only for {@link Place#OP}. */
  Op readOp(Annotations values, AnnotationMirror mirror, ElementOrigin at) {
    return opReader.read(values, mirror, at);
  }

  /** A connection annotation's value in the model; only for {@link Place#CONNECTION}. */
  Connection readConnection(
      NetworkReader reader, TypeElement type, AnnotationMirror mirror, ElementOrigin at) {
    return connectionReader.read(reader, type, mirror, at);
  }

  private static Op pool(boolean max, Annotations a, AnnotationMirror m, ElementOrigin at) {
    return new Op.Pool(
        max, a.intValue(m, "kernel"), a.intValue(m, "stride"), a.intValue(m, "padding"), at);
  }

  /** An annotation of the table found on an element. */
  record Found(DslAnnotation annotation, AnnotationMirror mirror) {}

  /** The annotations of these places written on the element, in table order. */
  static List<Found> foundOn(Element element, Place... places) {
    return in(places).stream()
        .flatMap(a -> a.find(element).map(m -> new Found(a, m)).stream())
        .toList();
  }
}
