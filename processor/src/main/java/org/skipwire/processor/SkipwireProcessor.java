package org.skipwire.processor;

import com.google.auto.service.AutoService;
import com.palantir.javapoet.JavaFile;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.skipwire.Activation;
import org.skipwire.AvgPool;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.DenseConnect;
import org.skipwire.GatedSkip;
import org.skipwire.GlobalAvgPool;
import org.skipwire.HighwayGate;
import org.skipwire.MaxPool;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.ReZero;
import org.skipwire.ResidualBlock;
import org.skipwire.Shortcut;
import org.skipwire.SqueezeExcite;
import org.skipwire.Stage;
import org.skipwire.StochasticDepth;
import org.skipwire.Transition;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.diag.Reporter;
import org.skipwire.processor.read.ElementOrigin;
import org.skipwire.processor.read.MisplacedCheck;
import org.skipwire.processor.read.NetworkReader;
import org.skipwire.processor.shape.GraphCheck;
import org.skipwire.processor.write.GraphWriter;

/**
 * Reads every {@code @Network}, checks all of it, and writes {@code <Network>Graph} for each one
 * that is clean. A user's mistake becomes a javac error at the element; an exception of ours
 * becomes an internal error on that network, and processing goes on with the next.
 */
@AutoService(Processor.class)
public final class SkipwireProcessor extends AbstractProcessor {

  private static final List<Class<?>> SUPPORTED =
      List.of(
          Network.class,
          org.skipwire.Variant.class,
          org.skipwire.Variants.class,
          ResidualBlock.class,
          DenseConnect.class,
          HighwayGate.class,
          org.skipwire.ShakeShake.class,
          Transition.class,
          Stage.class,
          StochasticDepth.class,
          SqueezeExcite.class,
          ReZero.class,
          GatedSkip.class,
          org.skipwire.Dropout.class,
          org.skipwire.LayerNorm.class,
          org.skipwire.GroupNorm.class,
          org.skipwire.Concat.class,
          org.skipwire.TransposedConv.class,
          org.skipwire.Upsample.class,
          org.skipwire.SelfAttention.class,
          org.skipwire.PositionEmbedding.class,
          org.skipwire.LastStep.class,
          org.skipwire.Sequential.class,
          Shortcut.class,
          Conv.class,
          Dense.class,
          MaxPool.class,
          AvgPool.class,
          GlobalAvgPool.class,
          BatchNorm.class,
          Activation.class,
          Output.class);

  /** Top-level types compiled from source, over all rounds. */
  private final Set<String> sourceTypes = new HashSet<>();

  /** Networks whose types did not resolve yet; retried each round. */
  private final Set<String> deferred = new HashSet<>();

  /** Network names written so far, to the class that uses each. */
  private final Map<String, String> names = new HashMap<>();

  /** Graph classes written or claimed so far, to the network each belongs to. */
  private final Map<String, String> graphClasses = new HashMap<>();

  /**
   * Types holding a misplaced annotation, and every type enclosing one: a network that is or uses
   * one of them has an error, so nothing is generated for it.
   */
  private final Set<String> misplacedIn = new HashSet<>();

  /** Checks each network; a test substitutes one that fails, to see internal errors reported. */
  private final Function<org.skipwire.processor.model.Network, GraphCheck.Result> check;

  /** javac's tree API, or null under a compiler without it. */
  private com.sun.source.util.Trees trees() {
    try {
      return com.sun.source.util.Trees.instance(processingEnv);
    } catch (IllegalArgumentException | LinkageError e) {
      return null;
    }
  }

  public SkipwireProcessor() {
    this(GraphCheck::check);
  }

  SkipwireProcessor(Function<org.skipwire.processor.model.Network, GraphCheck.Result> check) {
    this.check = check;
  }

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return SUPPORTED.stream().map(Class::getCanonicalName).collect(Collectors.toSet());
  }

  /** {@code -Askipwire.timing}: a note with the time spent in this processor, over all rounds. */
  @Override
  public Set<String> getSupportedOptions() {
    return Set.of("skipwire.timing");
  }

  private long nanos;
  private long cpuNanos;
  private int processed;

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    long cpuStart = threads.getCurrentThreadCpuTime();
    try {
      processRound(round);
    } finally {
      nanos += System.nanoTime() - start;
      cpuNanos += threads.getCurrentThreadCpuTime() - cpuStart;
    }
    if (round.processingOver() && processingEnv.getOptions().containsKey("skipwire.timing")) {
      processingEnv
          .getMessager()
          .printMessage(
              Diagnostic.Kind.NOTE,
              String.format(
                  java.util.Locale.ROOT,
                  "skipwire: %d networks in %.0f ms of processor time (%.0f ms on its CPU)",
                  processed,
                  nanos / 1e6,
                  cpuNanos / 1e6));
    }
    return false;
  }

  private void processRound(RoundEnvironment round) {
    for (Element root : round.getRootElements()) {
      if (root instanceof TypeElement t) {
        sourceTypes.add(t.getQualifiedName().toString());
      }
    }
    List<Problem> problems = new ArrayList<>();
    Reporter reporter = new Reporter(processingEnv.getMessager(), sourceTypes, trees());
    new MisplacedCheck(problems).check(round);
    for (Problem p : problems) {
      reporter.report(p);
      for (Element e = ((ElementOrigin) p.origin()).element(); e != null; ) {
        if (e instanceof TypeElement t) {
          misplacedIn.add(t.getQualifiedName().toString());
        }
        e = e.getEnclosingElement();
      }
    }

    Map<String, TypeElement> networks = new LinkedHashMap<>();
    for (String name : new TreeSet<>(deferred)) {
      Optional.ofNullable(processingEnv.getElementUtils().getTypeElement(name))
          .ifPresent(t -> networks.put(name, t));
    }
    deferred.clear();
    for (Element e : round.getElementsAnnotatedWith(Network.class)) {
      TypeElement type = (TypeElement) e;
      networks.put(type.getQualifiedName().toString(), type);
    }
    for (TypeElement network : networks.values()) {
      try {
        processed++;
        process(network, reporter, round.processingOver());
      } catch (RuntimeException | Error e) {
        processingEnv
            .getMessager()
            .printMessage(
                Diagnostic.Kind.ERROR,
                Message.INTERNAL.format(network.getQualifiedName(), e) + "\n" + trace(e),
                network);
      }
    }
  }

  /** Where an internal error happened: its first frames, enough for a report, not a page. */
  private static String trace(Throwable e) {
    StackTraceElement[] frames = e.getStackTrace();
    StringBuilder trace = new StringBuilder();
    int shown = Math.min(frames.length, 12);
    for (int i = 0; i < shown; i++) {
      trace.append("\tat ").append(frames[i]).append('\n');
    }
    if (frames.length > shown) {
      trace.append("\t... ").append(frames.length - shown).append(" more\n");
    }
    return trace.toString();
  }

  private void process(TypeElement type, Reporter reporter, boolean lastRound) {
    List<Problem> problems = new ArrayList<>();
    NetworkReader reader = new NetworkReader(processingEnv.getElementUtils(), problems);
    List<org.skipwire.processor.model.Network> members;
    try {
      members = reader.readMembers(type);
    } catch (NetworkReader.UnresolvedType e) {
      if (!lastRound) {
        deferred.add(type.getQualifiedName().toString());
        return;
      }
      // javac may also report the missing type; this says which network it leaves ungenerated.
      reporter.report(
          Message.UNRESOLVED.at(ElementOrigin.of(type), type.getQualifiedName(), e.getMessage()));
      return;
    }
    if (members.isEmpty()) {
      problems.forEach(reporter::report);
      return;
    }
    // Every member of a family is checked on its own; nothing is written unless all are clean. A
    // problem found in some members names them; one found in all is the declaration's.
    boolean family = NetworkReader.isFamily(type);
    Map<Problem, List<String>> byMember = new LinkedHashMap<>();
    List<GraphCheck.Result> results = new ArrayList<>();
    List<String> graphClassNames = new ArrayList<>();
    for (org.skipwire.processor.model.Network network : members) {
      GraphCheck.Result result = check.apply(network);
      results.add(result);
      List<Problem> found = new ArrayList<>(result.problems());
      String name = network.name();
      String previous = names.putIfAbsent(name, type.getQualifiedName().toString());
      if (previous != null && !previous.contentEquals(type.getQualifiedName())) {
        found.add(Message.DUPLICATE_NAME.at(ElementOrigin.of(type), name, previous));
      }
      String graphClass = family ? network.graphName() + "Graph" : graphClass(type);
      graphClassNames.add(graphClass);
      String qualified =
          network.packageName().isEmpty() ? graphClass : network.packageName() + "." + graphClass;
      String owner = graphClasses.putIfAbsent(qualified, type.getQualifiedName().toString());
      if (owner != null && !owner.contentEquals(type.getQualifiedName())) {
        found.add(
            Message.GRAPH_CLASS_TAKEN.at(
                ElementOrigin.of(type),
                qualified,
                type.getQualifiedName(),
                "network " + owner + " generates it"));
      } else if (owner == null && takenByOtherType(qualified)) {
        found.add(
            Message.GRAPH_CLASS_TAKEN.at(
                ElementOrigin.of(type),
                qualified,
                type.getQualifiedName(),
                "a type of that name exists"));
      }
      for (Problem p : found) {
        byMember.computeIfAbsent(p, k -> new ArrayList<>()).add(name);
      }
    }
    byMember.forEach(
        (p, in) -> problems.add(family && in.size() < members.size() ? p.inMembers(in) : p));
    if (!problems.isEmpty()) {
      problems.forEach(reporter::report);
      return;
    }
    if (usesMisplaced(type, members.get(0))) {
      // The misplaced annotation was reported where it stands; the network is not clean. Every
      // member uses the same blocks.
      return;
    }
    for (int i = 0; i < results.size(); i++) {
      write(type, GraphWriter.write(results.get(i).graph(), graphClassNames.get(i)), reporter);
    }
  }

  private void write(TypeElement type, JavaFile file, Reporter reporter) {
    String qualified =
        file.packageName().isEmpty()
            ? file.typeSpec().name()
            : file.packageName() + "." + file.typeSpec().name();
    try {
      // One originating element per file, the @Network type: Gradle's isolating mode needs that.
      JavaFileObject source = processingEnv.getFiler().createSourceFile(qualified, type);
      try (Writer writer = source.openWriter()) {
        file.writeTo(writer);
      }
    } catch (IOException e) {
      // A file of that name was written already, by another processor or tool: the graph would
      // be missing, so this is an error, not AutoValue's warning.
      reporter.report(
          Message.GRAPH_CLASS_TAKEN.at(
              ElementOrigin.of(type), qualified, type.getQualifiedName(), e.getMessage()));
    }
  }

  /**
   * {@code NetGraph} for a top-level {@code Net}; {@code Outer_NetGraph} for a nested one, so that
   * nested {@code Net} classes of two outer classes in one package get distinct graph classes.
   */
  static String graphClass(TypeElement type) {
    StringBuilder name = new StringBuilder(type.getSimpleName());
    for (Element e = type.getEnclosingElement(); e instanceof TypeElement outer; ) {
      name.insert(0, outer.getSimpleName() + "_");
      e = outer.getEnclosingElement();
    }
    return name + "Graph";
  }

  /** Whether a type named {@code qualified} exists that is not a graph we generated before. */
  private boolean takenByOtherType(String qualified) {
    TypeElement existing = processingEnv.getElementUtils().getTypeElement(qualified);
    return existing != null
        && existing.getAnnotationMirrors().stream()
            .noneMatch(
                m ->
                    m.getAnnotationType()
                        .toString()
                        .equals(org.skipwire.SkipwireGenerated.class.getCanonicalName()));
  }

  /** Whether the network's class, or a block it uses, holds a misplaced annotation. */
  private boolean usesMisplaced(TypeElement type, org.skipwire.processor.model.Network network) {
    if (misplacedIn.contains(type.getQualifiedName().toString())) {
      return true;
    }
    Set<String> blocks = new HashSet<>();
    List<org.skipwire.processor.model.Step> steps = new ArrayList<>(network.trunk());
    while (!steps.isEmpty()) {
      org.skipwire.processor.model.Step step = steps.remove(steps.size() - 1);
      if (step instanceof org.skipwire.processor.model.StageStep stage
          && blocks.add(stage.block().qualifiedName())) {
        steps.addAll(stage.block().body());
      }
    }
    return blocks.stream().anyMatch(misplacedIn::contains);
  }
}
