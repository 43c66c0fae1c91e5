package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists every generated network found on the class path. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "List the networks declared with skipwire on the class path.")
final class ModelsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    List<SkipwireModel> models = Models.all();
    int width = models.stream().mapToInt(m -> m.name().length()).max().orElse(5);
    int shapeWidth = models.stream().mapToInt(m -> shapes(m).length()).max().orElse(5);
    for (SkipwireModel m : models) {
      out.printf(
          Locale.ROOT,
          "%-" + width + "s  %-" + shapeWidth + "s  %,12d params  %s%n",
          m.name(),
          shapes(m),
          m.trainableParams(),
          m.declaration());
    }
    out.flush();
  }

  private static String shapes(SkipwireModel m) {
    return m.inputShape() + " -> " + m.outputShape();
  }
}
