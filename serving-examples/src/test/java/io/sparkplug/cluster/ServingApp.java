package io.sparkplug.cluster;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.upper;

import io.sparkplug.http.SparkPlugHttp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF0;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The application the cluster tests submit with {@code spark-submit}, as a user would submit a
 * serving job. Each argument {@code
 * service=NAME,mode=M,plan=P,port=N,checkpoint=DIR[,path=/p][,controlPort=N][,trigger=real-time][,batchSeconds=S]}
 * starts one query (real-time batches of {@code S} seconds, 5 unless given, so that a new
 * executor's server gets its reader soon; also {@code host}, {@code drainTimeout}, {@code
 * numPartitions}, {@code authToken}, {@code tlsCertFile} and {@code tlsKeyFile}, passed on as
 * source options); every reply carries {@code x-served-by}, the executor that computed it. The
 * session has {@link SparkPlugHttp#servingConf()}, as a user's job would.
 *
 * <ul>
 *   <li>{@code plan=echo}: the body upper-cased, computed where the request was read;
 *   <li>{@code plan=shuffle}: the same after {@code repartition} by body, so most replies are
 *       computed on another executor than the one holding the client's connection;
 *   <li>{@code plan=flaky}: as echo, but a task's first attempt fails at the first body starting
 *       with {@code fail} that is not the task's first row, so at least one row before it was
 *       answered: Spark retries the task, and the retry answers that row again;
 *   <li>{@code plan=explode}: every row throws, so the query fails;
 *   <li>{@code plan=slowtask}: as echo, but every task waits 400 ms at its first row, so that a
 *       task holding requests runs long enough for a test to aim a fault at it;
 *   <li>{@code plan=join}: the body looked up in a static table of {@code item-0..item-199} by a
 *       join that shuffles both sides when the application runs with {@code
 *       spark.sql.autoBroadcastJoinThreshold=-1}, the reply {@code NAME: ITEM-i #i};
 *   <li>{@code plan=aggregate}: the body's words counted by an aggregation keyed by the request id
 *       (update mode, state per id), the reply {@code NAME: N words}.
 * </ul>
 *
 * <p>A query that fails is reported on stdout ({@code query NAME failed: ...}); the others go on.
 */
public final class ServingApp {
  private ServingApp() {}

  public static void main(String[] args) throws Exception {
    // The one-step serving settings, as a user's job would start its session.
    SparkSession spark =
        SparkPlugHttp.servingSession(SparkSession.builder().appName("sparkplug-cluster-test"))
            .getOrCreate();
    // One line per progress report, "progress NAME BATCH rows N warmUpLeft K durations {...}":
    // the tests' readiness signal (a first batch ran, so executors and readers are warm), read from
    // the driver's log; the benchmarks read the warm-up countdown and the boundary phases from it.
    spark
        .streams()
        .addListener(
            new org.apache.spark.sql.streaming.StreamingQueryListener() {
              @Override
              public void onQueryStarted(QueryStartedEvent event) {}

              @Override
              public void onQueryProgress(QueryProgressEvent event) {
                var progress = event.progress();
                String warmUpLeft =
                    progress.sources().length == 0
                        ? "-"
                        : progress
                            .sources()[0]
                            .metrics()
                            .getOrDefault(SparkPlugHttp.WARM_UP_BATCHES_LEFT, "-");
                System.out.println(
                    "progress "
                        + progress.name()
                        + " "
                        + progress.batchId()
                        + " rows "
                        + progress.numInputRows()
                        + " warmUpLeft "
                        + warmUpLeft
                        + " durations "
                        + new java.util.TreeMap<>(progress.durationMs()));
              }

              @Override
              public void onQueryTerminated(QueryTerminatedEvent event) {}
            });
    UserDefinedFunction executorId =
        udf((UDF0<String>) () -> SparkEnv.get().executorId(), DataTypes.StringType)
            .asNondeterministic();
    List<StreamingQuery> queries = new ArrayList<>();
    for (String arg : args) {
      Map<String, String> service = parse(arg);
      queries.add(start(spark, service, executorId));
      System.out.println("started " + arg);
    }
    while (queries.stream().anyMatch(StreamingQuery::isActive)) {
      try {
        spark.streams().awaitAnyTermination();
      } catch (Exception e) {
        // reported below
      }
      for (StreamingQuery query : queries) {
        if (!query.isActive() && query.exception().isDefined()) {
          System.out.println("query " + query.name() + " failed: " + query.exception().get());
        }
      }
      spark.streams().resetTerminated();
    }
  }

  private static StreamingQuery start(
      SparkSession spark, Map<String, String> service, UserDefinedFunction executorId)
      throws Exception {
    var reader =
        spark
            .readStream()
            .format("sparkplug-http")
            .option("port", service.get("port"))
            .option("mode", service.getOrDefault("mode", "driver"))
            .option("requestTimeout", service.getOrDefault("requestTimeout", "10s"));
    for (String option :
        List.of(
            "controlPort",
            "host",
            "drainTimeout",
            "path",
            "numPartitions",
            "authToken",
            "tlsCertFile",
            "tlsKeyFile")) {
      if (service.containsKey(option)) {
        reader = reader.option(option, service.get(option));
      }
    }
    Dataset<Row> requests = reader.load();
    if ("shuffle".equals(service.get("plan"))) {
      requests = requests.repartition(4, col("body"));
    }
    String plan = service.get("plan");
    if ("join".equals(plan) || "aggregate".equals(plan)) {
      return startShuffling(spark, service, requests, executorId);
    }
    Column body = col("body").cast("string");
    if ("flaky".equals(service.get("plan"))) {
      body = failFirstAttempt().apply(body);
    } else if ("explode".equals(service.get("plan"))) {
      body = explode().apply(body);
    } else if ("slowtask".equals(service.get("plan"))) {
      body = slowTask().apply(body);
    }
    Column servedBy = map(lit("x-served-by"), executorId.apply());
    Dataset<Row> replies =
        requests.select(
            col("id"),
            concat(lit(service.get("service") + ": "), upper(body)).as("body"),
            servedBy.as("headers"));
    String checkpoint = service.get("checkpoint");
    if ("real-time".equals(service.get("trigger"))) {
      return replies
          .writeStream()
          .queryName(service.get("service"))
          .foreach(SparkPlugHttp.replyWriter())
          .outputMode("update")
          .trigger(Trigger.RealTime(service.getOrDefault("batchSeconds", "5") + " seconds"))
          .option("checkpointLocation", checkpoint)
          .start();
    }
    return replies
        .writeStream()
        .queryName(service.get("service"))
        .format("sparkplug-http")
        .option("checkpointLocation", checkpoint)
        .start();
  }

  /**
   * plan=join and plan=aggregate: the reply rows come out of a shuffle, so most are written on
   * another executor than the one holding the client's connection and travel back by id.
   */
  private static StreamingQuery startShuffling(
      SparkSession spark,
      Map<String, String> service,
      Dataset<Row> requests,
      UserDefinedFunction executorId)
      throws Exception {
    String name = service.get("service");
    Column servedBy = map(lit("x-served-by"), executorId.apply());
    Dataset<Row> replies;
    String mode = "append";
    if ("join".equals(service.get("plan"))) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        rows.add(RowFactory.create("item-" + i, i));
      }
      Dataset<Row> items =
          spark.createDataFrame(
              rows,
              new StructType()
                  .add("key", DataTypes.StringType, false)
                  .add("n", DataTypes.IntegerType, false));
      replies =
          requests
              .select(col("id"), col("body").cast("string").as("key"))
              .join(items, "key")
              .select(
                  col("id"),
                  concat(lit(name + ": "), upper(col("key")), lit(" #"), col("n").cast("string"))
                      .as("body"),
                  servedBy.as("headers"));
    } else {
      mode = "update";
      replies =
          requests
              .select(
                  col("id"),
                  org.apache
                      .spark
                      .sql
                      .functions
                      .explode(split(col("body").cast("string"), " "))
                      .as("word"))
              .groupBy(col("id"))
              .agg(count(col("word")).as("words"))
              .select(
                  col("id"),
                  concat(lit(name + ": "), col("words").cast("string"), lit(" words")).as("body"),
                  servedBy.as("headers"));
    }
    return replies
        .writeStream()
        .queryName(name)
        .format("sparkplug-http")
        .outputMode(mode)
        .option("checkpointLocation", service.get("checkpoint"))
        .start();
  }

  private static UserDefinedFunction failFirstAttempt() {
    return udf(
            (UDF1<String, String>)
                body -> {
                  TaskContext task = TaskContext.get();
                  int before =
                      ROWS_SEEN
                          .computeIfAbsent(task.taskAttemptId(), id -> new AtomicInteger())
                          .getAndIncrement();
                  // Only after a row of this attempt went out: the failure then always leaves a
                  // reply that the retry sends again, whatever rows the batch starts with.
                  if (body.startsWith("fail") && task.attemptNumber() == 0 && before > 0) {
                    throw new IllegalStateException("first attempt fails at " + body);
                  }
                  return body;
                },
            DataTypes.StringType)
        .asNondeterministic();
  }

  /** Rows each task attempt has computed so far (plan=flaky). */
  private static final Map<Long, AtomicInteger> ROWS_SEEN = new ConcurrentHashMap<>();

  /** The task attempts that have waited already (one wait per attempt, at its first row). */
  private static final Set<Long> WAITED = ConcurrentHashMap.newKeySet();

  private static UserDefinedFunction slowTask() {
    return udf(
            (UDF1<String, String>)
                body -> {
                  if (WAITED.add(TaskContext.get().taskAttemptId())) {
                    Thread.sleep(400);
                  }
                  return body;
                },
            DataTypes.StringType)
        .asNondeterministic();
  }

  private static UserDefinedFunction explode() {
    return udf(
        (UDF1<String, String>)
            body -> {
              throw new IllegalStateException("internal detail that must not reach clients");
            },
        DataTypes.StringType);
  }

  private static Map<String, String> parse(String arg) {
    Map<String, String> values = new HashMap<>();
    for (String pair : arg.split(",")) {
      int eq = pair.indexOf('=');
      values.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return values;
  }
}
