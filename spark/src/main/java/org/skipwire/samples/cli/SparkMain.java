package org.skipwire.samples.cli;

import java.io.PrintWriter;
import org.skipwire.runtime.FastPaths;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code skipwire-spark} command line: {@code train} on Apache Spark, and {@code models}. As
 * with {@code skipwire}, a mistake on the command line or in its inputs is one line on stderr and
 * status 2.
 */
@Command(
    name = "skipwire-spark",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Train skipwire's networks data-parallel on Apache Spark.",
    subcommands = {SparkTrainCommand.class, ModelsCommand.class})
public final class SparkMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    FastPaths.init();
    // Spark logs every task at INFO; the trainer's lines are what a run is for.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SparkMain());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (e, a) -> {
          String command =
              e.getCommandLine() == cli ? "" : " " + e.getCommandLine().getCommandName();
          err.println(
              "skipwire-spark: "
                  + e.getMessage()
                  + " (see 'skipwire-spark"
                  + command
                  + " --help')");
          return Main.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, c, p) -> {
          if (e instanceof Main.UserError u) {
            err.println("skipwire-spark: " + u.getMessage());
            return Main.USAGE;
          }
          if (e instanceof Main.Failure f) {
            err.println("skipwire-spark: " + f.getMessage());
            return 1;
          }
          err.println("skipwire-spark: internal error: " + e);
          return 1;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
