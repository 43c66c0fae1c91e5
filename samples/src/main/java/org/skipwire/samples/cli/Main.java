package org.skipwire.samples.cli;

import java.io.PrintWriter;
import org.skipwire.runtime.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The skipwire command line: {@code models}, {@code summary}, {@code bench}. A mistake on the command line or in
 * its inputs prints one line on stderr and exits with status 2; nothing prints a stack trace.
 */
@Command(
    name = "skipwire",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Deep networks with skip connections, declared in Java and checked by javac.",
    subcommands = {ModelsCommand.class, SummaryCommand.class, BenchCommand.class})
public final class Main implements Runnable {

  /** Exit status for a usage or input error. */
  static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before anything can load ND4J: pick the native build and the layer helpers.
    Backend.init();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, a) -> {
      String command = e.getCommandLine() == cli ? "" : " " + e.getCommandLine().getCommandName();
      err.println("skipwire: " + e.getMessage() + " (see 'skipwire" + command + " --help')");
      return USAGE;
    });
    cli.setExecutionExceptionHandler((e, c, p) -> {
      if (e instanceof UserError u) {
        err.println("skipwire: " + u.getMessage());
        return USAGE;
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

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"skipwire " + (v == null ? "(development build)" : v)};
    }
  }
}
