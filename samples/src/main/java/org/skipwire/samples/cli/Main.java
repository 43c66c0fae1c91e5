package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import org.skipwire.runtime.FastPaths;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The skipwire command line: {@code models}, {@code summary}, {@code bench}. A mistake on the
 * command line or in its inputs prints one line on stderr and exits with status 2; nothing prints a
 * stack trace.
 */
@Command(
    name = "skipwire",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Deep networks with skip connections, declared in Java and checked by javac.",
    subcommands = {
      ModelsCommand.class,
      SummaryCommand.class,
      TrainCommand.class,
      CompareCommand.class,
      LesionCommand.class,
      InspectCommand.class,
      BenchCommand.class,
      PredictCommand.class,
      EvaluateCommand.class,
      ExportImagesCommand.class,
      BenchDataCommand.class,
      InferCommand.class,
      ExportCommand.class
    })
public final class Main implements Runnable {

  /** Exit status for a usage or input error. */
  static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before anything can load ND4J: pick the native build and the layer helpers.
    FastPaths.init();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (e, a) -> {
          String command =
              e.getCommandLine() == cli ? "" : " " + e.getCommandLine().getCommandName();
          err.println("skipwire: " + e.getMessage() + " (see 'skipwire" + command + " --help')");
          return USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, c, p) -> {
          if (e instanceof UserError u) {
            err.println("skipwire: " + u.getMessage());
            return USAGE;
          }
          if (e instanceof Failure f) {
            err.println("skipwire: " + f.getMessage());
            return 1;
          }
          err.println("skipwire: internal error: " + e);
          return 1;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A mistake of the user's: its message is the whole report. */
  static final class UserError extends RuntimeException {
    UserError(String message) {
      super(message, null, false, false);
    }
  }

  /** A run that started well and could not finish (training diverged): one line, status 1. */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /** The command's standard output as a print stream, for the trainer. */
  static PrintStream stdout(CommandLine.Model.CommandSpec spec) {
    PrintWriter writer = spec.commandLine().getOut();
    return new PrintStream(
        new java.io.OutputStream() {
          @Override
          public void write(int b) {
            writer.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            writer.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
          }

          @Override
          public void flush() {
            writer.flush();
          }
        },
        true,
        java.nio.charset.StandardCharsets.UTF_8);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"skipwire " + (v == null ? "(development build)" : v)};
    }
  }
}
