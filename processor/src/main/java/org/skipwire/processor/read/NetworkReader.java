package org.skipwire.processor.read;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import org.skipwire.Layer;
import org.skipwire.Loss;
import org.skipwire.Nonlinearity;
import org.skipwire.ShortcutKind;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.BatchNormSpec;
import org.skipwire.processor.model.Block;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.LayerStep;
import org.skipwire.processor.model.Op;
import org.skipwire.processor.model.OutputSpec;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.StageStep;
import org.skipwire.processor.model.Step;

/**
 * Reads {@code @Network} classes and the block classes they use into the model. The only place that
 * sees {@code javax.lang.model}; it records what it cannot read as problems and never throws for a
 * user's mistake.
 */
public final class NetworkReader {

  /**
   * A referenced type or an annotation value does not resolve (yet: another processor may generate
   * it). javac reports what is missing itself if it never appears.
   */
  public static final class UnresolvedType extends RuntimeException {
    UnresolvedType(String what) {
      super(what, null, false, false);
    }
  }

  private final Annotations annotations;
  private final List<Problem> problems;
  private final Map<String, Optional<Block>> blocks = new HashMap<>();
  private final Deque<String> reading = new ArrayDeque<>();

  /**
   * One {@code @Variant}: the values its member substitutes.
   *
   * @param shortcut null when the variant gives none
   */
  private record Member(
      String name,
      String className,
      List<Integer> blocks,
      List<Integer> widths,
      ShortcutKind shortcut,
      int growthRate,
      int classes,
      ElementOrigin origin) {}

  /** The member being read, or null for a network that is not a family. */
  private Member member;

  private int blocksTaken;
  private int widthsTaken;
  private boolean shortcutTaken;
  private boolean growthRateTaken;

  public NetworkReader(Elements elements, List<Problem> problems) {
    this.annotations = new Annotations(elements);
    this.problems = problems;
  }

  /** Whether the class declares a family: one or more {@code @Variant}s. */
  public static boolean isFamily(TypeElement type) {
    return DslAnnotation.VARIANT.on(type) || DslAnnotation.VARIANTS.on(type);
  }

  /**
   * The network, or each member of a family in {@code @Variant} order; empty if the declaration
   * cannot be read, the reasons in the problem list. A member's values are substituted here, so
   * that the checks see one plain network per member.
   */
  public List<org.skipwire.processor.model.Network> readMembers(TypeElement type) {
    if (!isFamily(type) || type.getKind() != ElementKind.CLASS) {
      return read(type).map(List::of).orElse(List.of());
    }
    int before = problems.size();
    AnnotationMirror network = DslAnnotation.NETWORK.find(type).orElseThrow();
    String familyName = annotations.stringValue(network, "name");
    if (!familyName.isEmpty()) {
      problems.add(
          Message.FAMILY_NAME.at(ElementOrigin.of(type, network).attribute("name"), familyName));
    }
    int blockSlots = 0;
    int widthSlots = 0;
    for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      Optional<AnnotationMirror> stage = DslAnnotation.STAGE.find(field);
      if (stage.isPresent() && !field.getModifiers().contains(Modifier.STATIC)) {
        blockSlots += annotations.intValue(stage.get(), "blocks") == Layer.VARIANT ? 1 : 0;
        widthSlots += annotations.intValue(stage.get(), "width") == Layer.VARIANT ? 1 : 0;
      }
    }
    List<Member> variants = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> classNames = new HashSet<>();
    for (ElementOrigin v : variantOrigins(type)) {
      Member m = member(type, v);
      variants.add(m);
      if (!names.add(m.name())) {
        problems.add(
            Message.DUPLICATE_NAME.at(
                m.origin().attribute("name"),
                m.name(),
                "another @Variant of " + type.getSimpleName()));
      }
      if (!classNames.add(m.className())) {
        problems.add(
            Message.VARIANT_CLASS.at(
                m.origin().attribute("className"),
                m.name(),
                m.className(),
                "is also another @Variant's; each member needs its own class"));
      }
      slots(m, "blocks", m.blocks().size(), blockSlots);
      slots(m, "widths", m.widths().size(), widthSlots);
    }
    if (problems.size() > before) {
      return List.of();
    }
    List<org.skipwire.processor.model.Network> members = new ArrayList<>();
    for (Member m : variants) {
      member = m;
      blocksTaken = 0;
      widthsTaken = 0;
      shortcutTaken = false;
      growthRateTaken = false;
      try {
        Optional<org.skipwire.processor.model.Network> read = read(type);
        if (read.isEmpty()) {
          return List.of(); // a mistake in the declaration itself, reported once
        }
        if (m.shortcut() != null && !shortcutTaken) {
          problems.add(
              Message.VARIANT_UNUSED.at(
                  m.origin().attribute("shortcut"),
                  m.name(),
                  "shortcut",
                  "every residual stage of " + type.getSimpleName() + " sets its own @Shortcut"));
        }
        if (m.growthRate() != 0 && !growthRateTaken) {
          problems.add(
              Message.VARIANT_UNUSED.at(
                  m.origin().attribute("growthRate"),
                  m.name(),
                  "growthRate",
                  type.getSimpleName() + " has no dense stage"));
        }
        members.add(withClasses(read.get(), m, type));
      } finally {
        member = null;
      }
    }
    return problems.size() > before ? List.of() : members;
  }

  /** Each {@code @Variant} with where it stands: inside the repeated container if there is one. */
  private List<ElementOrigin> variantOrigins(TypeElement type) {
    List<ElementOrigin> origins = new ArrayList<>();
    DslAnnotation.VARIANT.find(type).ifPresent(m -> origins.add(ElementOrigin.of(type, m)));
    DslAnnotation.VARIANTS
        .find(type)
        .ifPresent(
            c -> {
              for (AnnotationValue v : annotations.listValue(c, "value")) {
                origins.add(new ElementOrigin(type, c, v));
              }
            });
    return origins;
  }

  private Member member(TypeElement type, ElementOrigin origin) {
    AnnotationMirror v =
        origin.value() != null ? (AnnotationMirror) origin.value().getValue() : origin.mirror();
    String name = annotations.stringValue(v, "name");
    checkName(origin.attribute("name"), name);
    String className = annotations.stringValue(v, "className");
    if (className.isEmpty()) {
      StringBuilder camel = new StringBuilder();
      for (String part : name.split("[._-]")) {
        if (!part.isEmpty()) {
          camel.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
      }
      className = camel.toString();
    }
    if (!SourceVersion.isIdentifier(className)
        || SourceVersion.isKeyword(className)
        || !Character.isJavaIdentifierStart(className.charAt(0))) {
      problems.add(
          Message.VARIANT_CLASS.at(
              origin.attribute(
                  annotations.stringValue(v, "className").isEmpty() ? "name" : "className"),
              name,
              className,
              "is not a Java class name; give className = \"UpperCamelCase\""));
    } else if (className.contentEquals(type.getSimpleName())) {
      problems.add(
          Message.VARIANT_CLASS.at(
              origin.attribute("className"),
              name,
              className,
              "is the family's own name; a member needs a name of its own"));
    }
    List<ShortcutKind> shortcuts = new ArrayList<>();
    for (AnnotationValue s : annotations.listValue(v, "shortcut")) {
      if (!(s.getValue() instanceof VariableElement constant)) {
        throw new UnresolvedType("shortcut = " + s);
      }
      shortcuts.add(ShortcutKind.valueOf(constant.getSimpleName().toString()));
    }
    if (shortcuts.size() > 1) {
      problems.add(
          Message.OUT_OF_RANGE.at(
              origin.attribute("shortcut"),
              "@Variant(name = \"" + name + "\")",
              "shortcut",
              shortcuts,
              "must be one kind, the shortcut of every residual stage"));
    }
    int growthRate = annotations.intValue(v, "growthRate");
    int classes = annotations.intValue(v, "classes");
    for (String attribute : List.of("growthRate", "classes")) {
      int value = attribute.equals("classes") ? classes : growthRate;
      if (value < 0) {
        problems.add(
            Message.OUT_OF_RANGE.at(
                origin.attribute(attribute),
                "@Variant(name = \"" + name + "\")",
                attribute,
                value,
                "must be at least 1, or 0 for the declaration's"));
      }
    }
    return new Member(
        name,
        className,
        ints(v, "blocks"),
        ints(v, "widths"),
        shortcuts.isEmpty() ? null : shortcuts.get(0),
        growthRate,
        classes,
        origin);
  }

  private List<Integer> ints(AnnotationMirror mirror, String name) {
    List<Integer> values = new ArrayList<>();
    for (AnnotationValue v : annotations.listValue(mirror, name)) {
      if (!(v.getValue() instanceof Integer i)) {
        throw new UnresolvedType(name + " = " + v);
      }
      values.add(i);
    }
    return values;
  }

  private void slots(Member m, String attribute, int given, int slots) {
    if (given != slots) {
      String singular = attribute.equals("blocks") ? "blocks" : "width";
      problems.add(
          slots == 0 && given > 0
              ? Message.VARIANT_UNUSED.at(
                  m.origin().attribute(attribute),
                  m.name(),
                  attribute,
                  "no @Stage says " + singular + " = VARIANT")
              : Message.VARIANT_VALUES.at(
                  m.origin().attribute(attribute), m.name(), given, attribute, slots, singular));
    }
  }

  /** The member with its number of classes in the output layer, if its variant gives one. */
  private org.skipwire.processor.model.Network withClasses(
      org.skipwire.processor.model.Network network, Member m, TypeElement type) {
    List<Step> trunk = new ArrayList<>(network.trunk());
    Step last = trunk.isEmpty() ? null : trunk.get(trunk.size() - 1);
    if (m.classes() > 0) {
      if (last instanceof LayerStep l && l.output() != null && l.weight() instanceof Op.Dense d) {
        trunk.set(
            trunk.size() - 1,
            withWeight(
                l,
                new Op.Dense(
                    m.classes(), d.width(), given(d.origin(), "units", m.origin(), "classes"))));
      } else if (last instanceof LayerStep l
          && l.output() != null
          && l.weight() instanceof Op.Conv c) {
        trunk.set(
            trunk.size() - 1,
            withWeight(
                l,
                new Op.Conv(
                    c.kernel(),
                    c.stride(),
                    m.classes(),
                    c.width(),
                    c.padding(),
                    c.groups(),
                    c.dilation(),
                    c.causal(),
                    given(c.origin(), "filters", m.origin(), "classes"),
                    c.expansion(),
                    c.bias())));
      } else {
        problems.add(
            Message.VARIANT_UNUSED.at(
                m.origin().attribute("classes"),
                m.name(),
                "classes",
                type.getSimpleName() + " does not end in @Dense or @Conv with @Output"));
      }
    }
    return new org.skipwire.processor.model.Network(
        network.packageName(),
        network.simpleName(),
        m.name(),
        network.origin(),
        network.input(),
        network.inputOrigin(),
        trunk,
        network.stochasticDepth(),
        m.className());
  }

  /** {@code at} with its {@code attribute} given by the variant's {@code variantAttribute}. */
  private static org.skipwire.processor.model.Origin given(
      org.skipwire.processor.model.Origin at,
      String attribute,
      ElementOrigin variant,
      String variantAttribute) {
    return at instanceof ElementOrigin e
        ? e.giving(attribute, variant.attribute(variantAttribute))
        : at;
  }

  private static LayerStep withWeight(LayerStep l, Op weight) {
    return new LayerStep(
        l.name(),
        l.origin(),
        weight,
        l.batchNorm(),
        l.activation(),
        l.activationOrigin(),
        l.output(),
        l.dropout());
  }

  private void checkName(org.skipwire.processor.model.Origin at, String name) {
    if (!name.matches("[a-z0-9][a-z0-9._-]*")) {
      problems.add(
          Message.BAD_NAME.at(
              at,
              name,
              "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or"
                  + " digit"));
    }
  }

  /** The network, or empty if it cannot be read; the reasons are in the problem list. */
  public Optional<org.skipwire.processor.model.Network> read(TypeElement type) {
    AnnotationMirror network = DslAnnotation.NETWORK.find(type).orElseThrow();
    if (type.getKind() != ElementKind.CLASS) {
      problems.add(
          Message.CLASS_ONLY.at(
              ElementOrigin.of(type, network), "Network", type.getSimpleName(), kindName(type)));
      return Optional.empty();
    }
    int before = problems.size();
    AnnotationMirror input = annotations.annotationValue(network, "input");
    ElementOrigin inputOrigin = new ElementOrigin(type, input, null);
    Shape shape =
        new Shape(
            annotations.intValue(input, "channels"),
            annotations.intValue(input, "height"),
            annotations.intValue(input, "width"),
            annotations.intValue(input, "length"));
    String name = annotations.stringValue(network, "name");
    if (name.isEmpty()) {
      name = type.getSimpleName().toString().toLowerCase(Locale.ROOT);
    } else if (member == null) {
      checkName(ElementOrigin.of(type, network).attribute("name"), name);
    }
    List<Step> trunk = steps(type, false);
    if (problems.size() > before) {
      return Optional.empty();
    }
    org.skipwire.processor.model.Network.StochasticDepthSpec depth =
        DslAnnotation.STOCHASTIC_DEPTH
            .find(type)
            .map(
                m ->
                    new org.skipwire.processor.model.Network.StochasticDepthSpec(
                        annotations.doubleValue(m, "finalSurvival"), ElementOrigin.of(type, m)))
            .orElse(null);
    return Optional.of(
        new org.skipwire.processor.model.Network(
            packageOf(type),
            type.getSimpleName().toString(),
            name,
            ElementOrigin.of(type, network),
            shape,
            inputOrigin,
            trunk,
            depth));
  }

  private List<Step> steps(TypeElement owner, boolean inBlock) {
    List<Step> steps = new ArrayList<>();
    for (VariableElement field : ElementFilter.fieldsIn(owner.getEnclosedElements())) {
      if (field.getModifiers().contains(Modifier.STATIC)) {
        continue; // constants may live beside the steps
      }
      step(field, inBlock).ifPresent(steps::add);
    }
    return steps;
  }

  private Optional<? extends Step> step(VariableElement field, boolean inBlock) {
    TypeMirror type = field.asType();
    if (type.getKind() == TypeKind.ERROR) {
      throw new UnresolvedType(type.toString());
    }
    TypeElement typeElement =
        type.getKind() == TypeKind.DECLARED
            ? (TypeElement) ((DeclaredType) type).asElement()
            : null;
    if (typeElement != null
        && typeElement.getQualifiedName().contentEquals(Layer.class.getCanonicalName())) {
      return layer(field);
    }
    if (typeElement != null && isBlock(typeElement)) {
      return stage(field, typeElement, inBlock);
    }
    String typeName =
        typeElement != null ? typeElement.getSimpleName().toString() : type.toString();
    problems.add(Message.NOT_A_STEP.at(ElementOrigin.of(field), field.getSimpleName(), typeName));
    return Optional.empty();
  }

  private Optional<LayerStep> layer(VariableElement field) {
    String name = field.getSimpleName().toString();
    ElementOrigin origin = ElementOrigin.of(field);
    boolean ok = true;
    for (DslAnnotation.Found misplaced :
        DslAnnotation.foundOn(field, DslAnnotation.Place.STAGE, DslAnnotation.Place.SHORTCUT)) {
      problems.add(
          Message.BLOCK_FIELD_ONLY.at(
              ElementOrigin.of(field, misplaced.mirror()), misplaced.annotation().shownAs(), name));
      ok = false;
    }
    if (!ok) {
      return Optional.empty();
    }
    List<DslAnnotation.Found> ops = DslAnnotation.foundOn(field, DslAnnotation.Place.OP);
    if (ops.size() > 1) {
      problems.add(
          Message.TWO_OPS.at(
              ElementOrigin.of(field, ops.get(1).mirror()),
              name,
              ops.get(0).annotation().shownAs(),
              ops.get(1).annotation().shownAs()));
      return Optional.empty();
    }
    Op weight =
        ops.isEmpty()
            ? null
            : ops.get(0)
                .annotation()
                .readOp(
                    annotations, ops.get(0).mirror(), ElementOrigin.of(field, ops.get(0).mirror()));
    BatchNormSpec batchNorm =
        DslAnnotation.BATCH_NORM
            .find(field)
            .map(
                m ->
                    new BatchNormSpec(
                        annotations.doubleValue(m, "gammaInit"),
                        annotations.doubleValue(m, "epsilon"),
                        ElementOrigin.of(field, m)))
            .orElse(null);
    Optional<AnnotationMirror> layerNorm = DslAnnotation.LAYER_NORM.find(field);
    if (layerNorm.isPresent()) {
      if (batchNorm != null) {
        problems.add(
            Message.TWO_NORMS.at(
                ElementOrigin.of(field, layerNorm.get()), "LayerNorm", "BatchNorm", name));
        return Optional.empty();
      }
      batchNorm =
          new BatchNormSpec(
              1.0,
              annotations.doubleValue(layerNorm.get(), "epsilon"),
              ElementOrigin.of(field, layerNorm.get()),
              true);
    }
    Optional<AnnotationMirror> groupNorm = DslAnnotation.GROUP_NORM.find(field);
    if (groupNorm.isPresent()) {
      if (batchNorm != null) {
        problems.add(
            Message.TWO_NORMS.at(
                ElementOrigin.of(field, groupNorm.get()),
                "GroupNorm",
                batchNorm.annotation(),
                name));
        return Optional.empty();
      }
      batchNorm =
          BatchNormSpec.groupNorm(
              annotations.intValue(groupNorm.get(), "groups"),
              annotations.doubleValue(groupNorm.get(), "epsilon"),
              ElementOrigin.of(field, groupNorm.get()));
    }
    Optional<AnnotationMirror> activationMirror = DslAnnotation.ACTIVATION.find(field);
    Nonlinearity activation =
        activationMirror
            .map(m -> annotations.enumValue(m, "value", Nonlinearity.class))
            .orElse(null);
    OutputSpec output =
        DslAnnotation.OUTPUT
            .find(field)
            .map(
                m ->
                    new OutputSpec(
                        annotations.enumValue(m, "loss", Loss.class), ElementOrigin.of(field, m)))
            .orElse(null);
    LayerStep.DropoutSpec dropout =
        DslAnnotation.DROPOUT
            .find(field)
            .map(
                m ->
                    new LayerStep.DropoutSpec(
                        annotations.doubleValue(m, "value"), ElementOrigin.of(field, m)))
            .orElse(null);
    if (output != null && dropout != null) {
      problems.add(Message.DROPOUT_ON_OUTPUT.at(dropout.origin()));
      return Optional.empty();
    }
    if (weight == null && batchNorm == null && activation == null && dropout == null) {
      if (output != null) {
        problems.add(Message.OUTPUT_NEEDS_DENSE.at(output.origin(), name));
      } else {
        problems.add(Message.EMPTY_STEP.at(origin, name));
      }
      return Optional.empty();
    }
    if (output != null && batchNorm != null) {
      problems.add(Message.BATCH_NORM_ON_OUTPUT.at(batchNorm.origin(), batchNorm.annotation()));
      return Optional.empty();
    }
    if (weight instanceof Op.Transition && (batchNorm != null || activation != null)) {
      org.skipwire.processor.model.Origin extra =
          batchNorm != null ? batchNorm.origin() : ElementOrigin.of(field, activationMirror.get());
      problems.add(
          Message.TRANSITION_NORM.at(
              extra, batchNorm != null ? batchNorm.annotation() : "Activation", name));
      return Optional.empty();
    }
    return Optional.of(
        new LayerStep(
            name,
            origin,
            weight,
            batchNorm,
            activation,
            activationMirror
                .<org.skipwire.processor.model.Origin>map(m -> ElementOrigin.of(field, m))
                .orElse(origin),
            output,
            dropout));
  }

  private Optional<StageStep> stage(VariableElement field, TypeElement blockType, boolean inBlock) {
    String name = field.getSimpleName().toString();
    boolean ok = true;
    for (DslAnnotation.Found layerAnnotation :
        DslAnnotation.foundOn(field, DslAnnotation.Place.OP, DslAnnotation.Place.LAYER)) {
      problems.add(
          Message.LAYER_FIELD_ONLY.at(
              ElementOrigin.of(field, layerAnnotation.mirror()),
              layerAnnotation.annotation().shownAs(),
              name,
              blockType.getSimpleName()));
      ok = false;
    }
    Optional<AnnotationMirror> stage = DslAnnotation.STAGE.find(field);
    if (stage.isEmpty()) {
      problems.add(
          Message.BLOCK_NEEDS_STAGE.at(ElementOrigin.of(field), name, blockType.getSimpleName()));
      return Optional.empty();
    }
    AnnotationMirror s = stage.get();
    ElementOrigin stageOrigin = ElementOrigin.of(field, s);
    ShortcutKind shortcut =
        DslAnnotation.SHORTCUT
            .find(field)
            .map(m -> annotations.enumValue(m, "value", ShortcutKind.class))
            .orElse(null);
    int blockCount = annotations.intValue(s, "blocks");
    int width = annotations.intValue(s, "width");
    for (String attribute : List.of("blocks", "width")) {
      if ((attribute.equals("blocks") ? blockCount : width) != Layer.VARIANT) {
        continue;
      }
      org.skipwire.processor.model.Origin at = ElementOrigin.of(field, s).attribute(attribute);
      if (inBlock) {
        problems.add(
            Message.VARIANT_IN_BLOCK.at(
                at, name, attribute, field.getEnclosingElement().getSimpleName()));
        ok = false;
      } else if (member == null) {
        problems.add(
            Message.VARIANT_MISSING.at(
                at, name, attribute, field.getEnclosingElement().getSimpleName()));
        ok = false;
      } else if (attribute.equals("blocks")) {
        // A value out of range is the variant's mistake: it is reported where the variant gives it.
        stageOrigin = stageOrigin.giving("blocks", member.origin().entry("blocks", blocksTaken));
        blockCount = member.blocks().get(blocksTaken++);
      } else {
        stageOrigin = stageOrigin.giving("width", member.origin().entry("widths", widthsTaken));
        width = member.widths().get(widthsTaken++);
      }
    }
    Optional<Block> block = block(blockType, field);
    if (block.isEmpty() || !ok) {
      return Optional.empty();
    }
    Block b = block.get();
    if (member != null && !inBlock) {
      if (shortcut == null
          && member.shortcut() != null
          && (b.connection() instanceof Connection.Residual
              || b.connection() instanceof Connection.ShakeShake)) {
        shortcut = member.shortcut();
        shortcutTaken = true;
      }
      if (member.growthRate() > 0 && b.connection() instanceof Connection.Dense) {
        growthRateTaken = true;
        b =
            new Block(
                b.qualifiedName(),
                b.simpleName(),
                b.origin(),
                new Connection.Dense(member.growthRate(), member.origin().attribute("growthRate")),
                b.body());
      }
    }
    return Optional.of(
        new StageStep(
            name,
            ElementOrigin.of(field),
            stageOrigin,
            blockCount,
            width,
            annotations.intValue(s, "stride"),
            annotations.intValue(s, "widen"),
            annotations.intValue(s, "dilationGrowth"),
            shortcut,
            b));
  }

  /** Reads a block class once; a block that contains itself is reported at the closing field. */
  private Optional<Block> block(TypeElement type, VariableElement usedAt) {
    String name = type.getQualifiedName().toString();
    if (reading.contains(name)) {
      List<String> cycle = new ArrayList<>();
      boolean in = false;
      for (String r : (Iterable<String>) reading::descendingIterator) {
        in |= r.equals(name);
        if (in) {
          cycle.add(simpleOf(r));
        }
      }
      cycle.add(simpleOf(name));
      problems.add(
          Message.BLOCK_CYCLE.at(
              ElementOrigin.of(usedAt), type.getSimpleName(), String.join(" -> ", cycle)));
      return Optional.empty();
    }
    Optional<Block> cached = blocks.get(name);
    if (cached != null) {
      return cached;
    }
    reading.push(name);
    try {
      int before = problems.size();
      List<DslAnnotation.Found> connections =
          DslAnnotation.foundOn(type, DslAnnotation.Place.CONNECTION);
      DslAnnotation.Found found = connections.get(0);
      AnnotationMirror mirror = found.mirror();
      if (connections.size() > 1) {
        problems.add(
            Message.TWO_CONNECTIONS.at(
                ElementOrigin.of(type, connections.get(1).mirror()),
                type.getSimpleName(),
                found.annotation().shownAs(),
                connections.get(1).annotation().shownAs()));
      }
      if (type.getKind() != ElementKind.CLASS) {
        problems.add(
            Message.CLASS_ONLY.at(
                ElementOrigin.of(type, mirror),
                found.annotation().shownAs(),
                type.getSimpleName(),
                kindName(type)));
      }
      ElementOrigin origin = ElementOrigin.of(type, mirror);
      Connection connection = found.annotation().readConnection(this, type, mirror, origin);
      List<Step> body = steps(type, true);
      Optional<Block> block =
          problems.size() > before
              ? Optional.empty()
              : Optional.of(
                  new Block(name, type.getSimpleName().toString(), origin, connection, body));
      blocks.put(name, block);
      return block;
    } finally {
      reading.pop();
    }
  }

  /** The reader of annotation values, for {@link DslAnnotation}'s readers. */
  Annotations values() {
    return annotations;
  }

  /** A {@code @ResidualBlock} class's connection, with its shortcut and options. */
  Connection.Residual residual(TypeElement type, AnnotationMirror mirror) {
    ShortcutKind shortcut =
        DslAnnotation.SHORTCUT
            .find(type)
            .map(m -> annotations.enumValue(m, "value", ShortcutKind.class))
            .orElse(ShortcutKind.AUTO);
    Connection.SqueezeExciteSpec se =
        DslAnnotation.SQUEEZE_EXCITE
            .find(type)
            .map(
                m ->
                    new Connection.SqueezeExciteSpec(
                        annotations.intValue(m, "reduction"), ElementOrigin.of(type, m)))
            .orElse(null);
    Optional<AnnotationMirror> rezero = DslAnnotation.REZERO.find(type);
    Optional<AnnotationMirror> gated = DslAnnotation.GATED_SKIP.find(type);
    Connection.Mix mix = Connection.Mix.SUM;
    if (rezero.isPresent() && gated.isPresent()) {
      problems.add(
          Message.GATED_AND_REZERO.at(ElementOrigin.of(type, gated.get()), type.getSimpleName()));
    } else if (rezero.isPresent()) {
      mix =
          new Connection.Mix(Connection.Mix.Kind.REZERO, 0.0, ElementOrigin.of(type, rezero.get()));
    } else if (gated.isPresent()) {
      mix =
          new Connection.Mix(
              Connection.Mix.Kind.GATED,
              annotations.doubleValue(gated.get(), "init"),
              ElementOrigin.of(type, gated.get()));
    }
    return new Connection.Residual(
        annotations.booleanValue(mirror, "preActivation"),
        shortcut,
        se,
        mix,
        annotations.enumValue(mirror, "activation", Nonlinearity.class));
  }

  static boolean isBlock(Element type) {
    return !DslAnnotation.foundOn(type, DslAnnotation.Place.CONNECTION).isEmpty();
  }

  private static String simpleOf(String qualified) {
    return qualified.substring(qualified.lastIndexOf('.') + 1);
  }

  static String kindName(Element e) {
    return switch (e.getKind()) {
      case INTERFACE -> "an interface";
      case ENUM -> "an enum";
      case ANNOTATION_TYPE -> "an annotation type";
      case RECORD -> "a record";
      default -> "a " + e.getKind().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    };
  }

  static String packageOf(TypeElement type) {
    Element e = type;
    while (!(e instanceof PackageElement)) {
      e = e.getEnclosingElement();
    }
    return ((PackageElement) e).getQualifiedName().toString();
  }

  static String names(List<? extends Element> elements) {
    return elements.stream()
        .map(e -> e.getSimpleName().toString())
        .collect(Collectors.joining(", "));
  }
}
