package org.skipwire.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** The Spark context for a training run, with the settings a local run needs on any machine. */
public final class SparkContexts {
  /** The master when neither the command line nor spark-submit names one. */
  public static final String DEFAULT_MASTER = "local[*]";

  private SparkContexts() {}

  /**
   * A context on {@code master} (null: spark-submit's {@code --master}, else {@link
   * #DEFAULT_MASTER}) with {@code settings} on top. A {@code local} master binds the driver to
   * 127.0.0.1 and runs without the web UI unless the settings say otherwise: a local run has no
   * business listening on the machine's network interfaces.
   */
  public static JavaSparkContext create(
      String master, String appName, Map<String, String> settings) {
    SparkConf conf = new SparkConf().setAppName(appName);
    settings.forEach(conf::set);
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster(DEFAULT_MASTER);
    }
    if (isLocal(conf.get("spark.master"))) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.ui.enabled", "false");
      if (System.getenv("SPARK_LOCAL_IP") == null) {
        // What SPARK_LOCAL_IP would do: without it Spark looks up this machine's address for the
        // local executor's host name and warns that it picked a network interface.
        org.apache.spark.util.Utils.setCustomHostname(conf.get("spark.driver.host"));
      }
    }
    return new JavaSparkContext(conf);
  }

  /** Whether {@code master} runs everything in this JVM ({@code local}, {@code local[N]}...). */
  public static boolean isLocal(String master) {
    return master.equals("local") || master.startsWith("local[");
  }
}
