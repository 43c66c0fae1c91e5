package org.skipwire.processor;

import com.google.auto.service.AutoService;
import com.palantir.javapoet.JavaFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

  /** javac's tree API, or null under a compiler without it. */
  private com.sun.source.util.Trees trees() {
    try {
      return com.sun.source.util.Trees.instance(processingEnv);
    } catch (IllegalArgumentException | LinkageError e) {
      return null;
    }
  }

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return SUPPORTED.stream().map(Class::getCanonicalName).collect(Collectors.toSet());
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    for (Element root : round.getRootElements()) {
      if (root instanceof TypeElement t) {
        sourceTypes.add(t.getQualifiedName().toString());
      }
    }
    List<Problem> problems = new ArrayList<>();
    Reporter reporter = new Reporter(processingEnv.getMessager(), sourceTypes, trees());
    new MisplacedCheck(problems).check(round);
    problems.forEach(reporter::report);

    Map<String, TypeElement> networks = new LinkedHashMap<>();
    for (String name : deferred) {
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
        process(network, reporter, round.processingOver());
      } catch (RuntimeException | Error e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        processingEnv
            .getMessager()
            .printMessage(
                Diagnostic.Kind.ERROR,
                Message.INTERNAL.format(network.getQualifiedName(), e) + "\n" + trace,
                network);
      }
    }
    return false;
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
      }
      // In the last round javac itself reports the missing type; a second message adds nothing.
      return;
    }
    if (members.isEmpty()) {
      problems.forEach(reporter::report);
      return;
    }
    // Every member is checked on its own; nothing is written unless all of them are clean.
    Map<Problem, List<String>> byMember = new LinkedHashMap<>();
    List<GraphCheck.Result> results = new ArrayList<>();
    for (org.skipwire.processor.model.Network network : members) {
      GraphCheck.Result result = GraphCheck.check(network);
      results.add(result);
      List<Problem> found = new ArrayList<>(result.problems());
      String name = network.name();
      String previous = names.putIfAbsent(name, type.getQualifiedName().toString());
      if (previous != null && !previous.contentEquals(type.getQualifiedName())) {
        found.add(Message.DUPLICATE_NAME.at(ElementOrigin.of(type), name, previous));
      }
      for (Problem p : found) {
        byMember.computeIfAbsent(p, k -> new ArrayList<>()).add(name);
      }
    }
    boolean family = NetworkReader.isFamily(type);
    byMember.forEach(
        (p, in) -> problems.add(family && in.size() < members.size() ? p.inMembers(in) : p));
    if (!problems.isEmpty()) {
      problems.forEach(reporter::report);
      return;
    }
    for (GraphCheck.Result result : results) {
      write(type, GraphWriter.write(result.graph()));
    }
  }

  private void write(TypeElement type, JavaFile file) {
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
      // Another round or tool may have written the file already (AutoValue's writeSourceFile does
      // the same): say so, but do not fail a build that may still be fine.
      processingEnv
          .getMessager()
          .printMessage(Diagnostic.Kind.WARNING, "could not write " + qualified + ": " + e, type);
    }
  }
}
