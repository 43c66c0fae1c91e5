package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;

class MainTest {

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void modelsListsEveryRegisteredNetworkOnePerLine() {
    Run r = run("models");
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    List<SkipwireModel> models = Models.all();
    assertEquals(models.size(), lines.size());
    for (int i = 0; i < models.size(); i++) {
      assertTrue(lines.get(i).startsWith(models.get(i).name() + " "), lines.get(i));
    }
    assertTrue(r.out().contains("resnet152") && r.out().contains("cifar-resnet110-b"));
  }

  @Test
  void summaryJsonCarriesNameCountsAndShapes() {
    Run r = run("summary", "resnet18", "--json");
    assertEquals(0, r.status(), r.err());
    String json = r.out().strip();
    assertTrue(json.startsWith("{\"model\":\"resnet18\""), json.substring(0, 40));
    assertTrue(json.contains("\"trainableParams\":11689512,"), "trainable");
    assertTrue(json.contains("\"totalParams\":" + Models.find("resnet18").orElseThrow().totalParams() + ","));
    assertTrue(json.contains("{\"name\":\"conv3.b0.shortcut\",\"kind\":\"conv 1x1/2\",\"inputs\":[\"conv2.b1.relu\"],"
        + "\"shape\":[128,28,28],\"params\":8192,\"trainableParams\":8192}"), "shortcut vertex");
    assertEquals(1, json.lines().count());
  }

  @Test
  void summaryTablePrintsEveryVertexAndTheTotals() {
    Run r = run("summary", "cifar-resnet20");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("stage2.b0.shortcut"), "zero-pad shortcut listed");
    assertTrue(r.out().contains("trainable parameters  269,722"), r.out());
  }

  @Test
  void unknownModelIsOneLineOnStderr() {
    Run r = run("summary", "resnet19");
    assertEquals(2, r.status());
    assertEquals("", r.out());
    assertEquals(List.of("skipwire: unknown model 'resnet19'; 'skipwire models' lists the "
        + Models.all().size() + " there are"), r.err().lines().toList());
  }

  @Test
  void badFlagIsOneLineOnStderr() {
    Run r = run("summary", "resnet18", "--jsn");
    assertEquals(2, r.status());
    assertEquals(List.of("skipwire: Unknown option: '--jsn' (see 'skipwire summary --help')"), r.err().lines().toList());
  }

  @Test
  void unknownCommandIsOneLineOnStderr() {
    Run r = run("frobnicate");
    assertEquals(2, r.status());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("skipwire: "), r.err());
  }
}
