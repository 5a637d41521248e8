package io.sparkplug.http.config;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.types.StructType;

/**
 * Options of a {@code sparkplug-http} source: where it listens and the limits that protect it. Read
 * and validated once, when the source is loaded.
 *
 * <p>Over 300 lines because it is the one list of the source's options, each key beside its
 * default, its documentation, its check and its accessor; split, the list users read would be split
 * too.
 */
public final class ServiceOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * TCP port to listen on. Required, 1-65535. In mode {@code executor} also a range {@code
   * first-last}: each executor takes the first free port of it (executors that share a host).
   */
  public static final String PORT_CONFIG = "port";

  /** Address to bind. Default: loopback for a {@code local} master, all interfaces otherwise. */
  public static final String HOST_CONFIG = "host";

  /**
   * Path (and everything below it) this service answers; a segment {@code {name}} matches any one
   * segment and its value goes to the {@code params} column. Default: {@value #PATH_DEFAULT}.
   */
  public static final String PATH_CONFIG = "path";

  public static final String PATH_DEFAULT = "/";

  /** Where the server runs, a {@link Mode}. Default: {@value #MODE_DEFAULT}. */
  public static final String MODE_CONFIG = "mode";

  public static final String MODE_DEFAULT = "driver";
  public static final String MODE_EXECUTOR = "executor";

  /** Comma-separated HTTP methods accepted; others get 405. Default: {@value #METHODS_DEFAULT}. */
  public static final String METHODS_CONFIG = "methods";

  public static final String METHODS_DEFAULT = "GET,POST";

  /**
   * How long a request may wait for its reply before it gets 504. Default: {@value
   * #REQUEST_TIMEOUT_DEFAULT}.
   */
  public static final String REQUEST_TIMEOUT_CONFIG = "requestTimeout";

  public static final String REQUEST_TIMEOUT_DEFAULT = "30s";

  /**
   * Requests accepted and not yet answered; beyond it new requests get 503. Default: {@value
   * #MAX_PENDING_DEFAULT}.
   */
  public static final String MAX_PENDING_CONFIG = "maxPendingRequests";

  public static final int MAX_PENDING_DEFAULT = 10_000;

  /**
   * Largest request body accepted; larger ones get 413. Default: {@value #MAX_BODY_BYTES_DEFAULT}.
   */
  public static final String MAX_BODY_BYTES_CONFIG = "maxBodyBytes";

  public static final String MAX_BODY_BYTES_DEFAULT = "1m";
  static final long MAX_BODY_BYTES_LIMIT = 512L * 1024 * 1024;

  /**
   * Longest request line; longer ones get 414. Default: {@value #MAX_INITIAL_LINE_DEFAULT}, so that
   * the 8,000 octets RFC 9112 3 recommends are accepted.
   */
  public static final String MAX_INITIAL_LINE_CONFIG = "maxInitialLineLength";

  public static final int MAX_INITIAL_LINE_DEFAULT = 8192;

  /** Largest header block; larger ones get 431. Default: {@value #MAX_HEADER_BYTES_DEFAULT}. */
  public static final String MAX_HEADER_BYTES_CONFIG = "maxHeaderBytes";

  public static final int MAX_HEADER_BYTES_DEFAULT = 8192;

  /**
   * Time allowed to receive one whole request once its first byte arrived; then 408. Default:
   * {@value #READ_TIMEOUT_DEFAULT}.
   */
  public static final String READ_TIMEOUT_CONFIG = "readTimeout";

  public static final String READ_TIMEOUT_DEFAULT = "30s";

  /**
   * A keep-alive connection with nothing in flight is closed after this long. Default: {@value
   * #IDLE_TIMEOUT_DEFAULT}.
   */
  public static final String IDLE_TIMEOUT_CONFIG = "idleTimeout";

  public static final String IDLE_TIMEOUT_DEFAULT = "60s";

  /**
   * On stop, how long requests already handed to a batch may wait for their replies. Default:
   * {@value #DRAIN_TIMEOUT_DEFAULT}.
   */
  public static final String DRAIN_TIMEOUT_CONFIG = "drainTimeout";

  public static final String DRAIN_TIMEOUT_DEFAULT = "5s";

  /**
   * Port of the driver's internal endpoint: the directory of servers ({@code GET /-/servers}) and,
   * for executors, registrations and forwarded replies. Default {@value #CONTROL_PORT_DEFAULT}: any
   * free port (logged).
   */
  public static final String CONTROL_PORT_CONFIG = "controlPort";

  public static final int CONTROL_PORT_DEFAULT = 0;

  /**
   * Partitions per micro-batch (and real-time readers in driver mode). Default {@value
   * #NUM_PARTITIONS_DEFAULT}: Spark's default parallelism (one real-time reader).
   */
  public static final String NUM_PARTITIONS_CONFIG = "numPartitions";

  public static final int NUM_PARTITIONS_DEFAULT = 0;

  /**
   * Real-time mode: how many of a query run's first batches are warm-up batches. Each ends after
   * {@link #WARM_UP_BATCH_TIME_CONFIG} instead of at the trigger's batch duration, so that Spark's
   * boundary code has run (and been compiled) before clients come; requests sent meanwhile are
   * served. 0 turns the warm-up off. Default {@value #WARM_UP_BATCHES_DEFAULT}.
   */
  public static final String WARM_UP_BATCHES_CONFIG = "warmUpBatches";

  public static final int WARM_UP_BATCHES_DEFAULT = 30;

  /**
   * How long each warm-up batch reads before it ends. Default {@value #WARM_UP_BATCH_TIME_DEFAULT}.
   */
  public static final String WARM_UP_BATCH_TIME_CONFIG = "warmUpBatchTime";

  public static final String WARM_UP_BATCH_TIME_DEFAULT = "100ms";

  /**
   * Open connections per server; further connections are closed at once. Default: {@value
   * #MAX_CONNECTIONS_DEFAULT}.
   */
  public static final String MAX_CONNECTIONS_CONFIG = "maxConnections";

  public static final int MAX_CONNECTIONS_DEFAULT = 10_000;

  /**
   * Requests one connection may have awaiting replies; the server stops reading beyond it. Default:
   * {@value #MAX_PIPELINED_DEFAULT}.
   */
  public static final String MAX_PIPELINED_CONFIG = "maxPipelinedRequests";

  public static final int MAX_PIPELINED_DEFAULT = 32;

  /** Bearer token clients must send ({@code Authorization: Bearer ...}). Default: none. */
  public static final String AUTH_TOKEN_CONFIG = "authToken";

  /** PEM certificate chain: serve HTTPS. Needs {@link #TLS_KEY_FILE_CONFIG}. */
  public static final String TLS_CERT_FILE_CONFIG = "tlsCertFile";

  /** PEM private key (PKCS#8) of {@link #TLS_CERT_FILE_CONFIG}. */
  public static final String TLS_KEY_FILE_CONFIG = "tlsKeyFile";

  /** Password of an encrypted {@link #TLS_KEY_FILE_CONFIG}. Default: none. */
  public static final String TLS_KEY_PASSWORD_CONFIG = "tlsKeyPassword";

  /** PEM CA certificates: clients must present a certificate they sign (mutual TLS). */
  public static final String TLS_CLIENT_CA_FILE_CONFIG = "tlsClientCaFile";

  /**
   * Origins whose browser pages may call this service: comma-separated exact origins ({@code
   * https://app.example.com}) or {@code *}. Default: none (no CORS headers are sent).
   */
  public static final String CORS_ORIGINS_CONFIG = "corsOrigins";

  /**
   * Spark DDL of the JSON body every request must carry, such as {@code item STRING NOT NULL,
   * quantity INT}; the query sees it as the {@code request} column. Default: none (no validation).
   */
  public static final String REQUEST_SCHEMA_CONFIG = "requestSchema";

  /**
   * What a body field the {@link #REQUEST_SCHEMA_CONFIG} does not name does: {@code ignore} or
   * {@code reject} (400). Default: {@value #UNKNOWN_FIELDS_DEFAULT}.
   */
  public static final String UNKNOWN_FIELDS_CONFIG = "unknownFields";

  public static final String UNKNOWN_FIELDS_DEFAULT = "ignore";

  /**
   * Deepest JSON nesting a typed body may have; deeper gets 400. Default: {@value
   * #MAX_JSON_DEPTH_DEFAULT}.
   */
  public static final String MAX_JSON_DEPTH_CONFIG = "maxJsonDepth";

  public static final int MAX_JSON_DEPTH_DEFAULT = 64;

  /**
   * The protocol the service speaks: {@code http} (request rows of any HTTP request) or {@code oip}
   * (the Open Inference Protocol, KServe v2 REST, for the model {@link #MODEL_CONFIG}). Default:
   * {@value #PROTOCOL_DEFAULT}.
   */
  public static final String PROTOCOL_CONFIG = "protocol";

  public static final String PROTOCOL_DEFAULT = "http";
  public static final String PROTOCOL_OIP = "oip";

  /** The model name an {@code oip} service serves under {@code /v2/models/<model>}. */
  public static final String MODEL_CONFIG = "model";

  /** The model version of an {@code oip} service ({@code /versions/<v>}). Default: none. */
  public static final String MODEL_VERSION_CONFIG = "modelVersion";

  private final int port;
  private final int lastPort;
  private final int controlPort;
  private final String host;
  private final String path;
  private final PathTemplate pathTemplate;
  private final Mode mode;
  private final Set<String> methods;
  private final long requestTimeoutMs;
  private final int maxPendingRequests;
  private final int maxBodyBytes;
  private final int maxInitialLineLength;
  private final int maxHeaderBytes;
  private final long readTimeoutMs;
  private final long idleTimeoutMs;
  private final long drainTimeoutMs;
  private final int numPartitions;
  private final int warmUpBatches;
  private final long warmUpBatchTimeMs;
  private final int maxConnections;
  private final int maxPipelinedRequests;
  private final String authToken;
  private final String tlsCertFile;
  private final String tlsKeyFile;
  private final String tlsKeyPassword;
  private final String tlsClientCaFile;
  private final Set<String> corsOrigins;
  private final StructType requestSchema;
  private final boolean rejectUnknownFields;
  private final int maxJsonDepth;
  private final String model;
  private final String modelVersion;

  private ServiceOptions(OptionReader in) {
    mode =
        Mode.ofOptionValue(
            in.lowerCaseChoice(
                MODE_CONFIG, MODE_DEFAULT, Mode.DRIVER.optionValue(), Mode.EXECUTOR.optionValue()));
    String rawPort = in.raw(PORT_CONFIG);
    int dash = rawPort == null ? -1 : rawPort.indexOf('-', 1);
    if (dash > 0) {
      if (mode != Mode.EXECUTOR) {
        throw OptionReader.invalid(
            PORT_CONFIG, rawPort, "a port range is only for mode 'executor'; give one port");
      }
      port = OptionReader.portNumber(PORT_CONFIG, rawPort, rawPort.substring(0, dash));
      lastPort = OptionReader.portNumber(PORT_CONFIG, rawPort, rawPort.substring(dash + 1));
      if (lastPort < port) {
        throw OptionReader.invalid(PORT_CONFIG, rawPort, "the range must run from low to high");
      }
    } else {
      port = in.requiredIntInRange(PORT_CONFIG, 1, 65_535);
      lastPort = port;
    }
    controlPort = in.intInRange(CONTROL_PORT_CONFIG, CONTROL_PORT_DEFAULT, 0, 65_535);
    host = in.string(HOST_CONFIG, null);
    boolean oip =
        in.lowerCaseChoice(PROTOCOL_CONFIG, PROTOCOL_DEFAULT, PROTOCOL_DEFAULT, PROTOCOL_OIP)
            .equals(PROTOCOL_OIP);
    model = modelName(in, oip);
    modelVersion = modelVersion(in, model);
    if (oip) {
      for (String unwanted : new String[] {PATH_CONFIG, METHODS_CONFIG}) {
        if (in.raw(unwanted) != null) {
          throw OptionReader.invalid(
              unwanted,
              in.raw(unwanted),
              "not with protocol=oip, which serves POST /v2/models/<model>/infer and the"
                  + " protocol's GET endpoints; leave it unset");
        }
      }
      path = "/v2/models/" + model;
      methods = Set.of("GET", "POST");
    } else {
      path = normalizePath(in.string(PATH_CONFIG, PATH_DEFAULT));
      methods = parseMethods(in.string(METHODS_CONFIG, METHODS_DEFAULT));
    }
    pathTemplate = PathTemplate.parse(path);
    requestTimeoutMs = in.positiveMillis(REQUEST_TIMEOUT_CONFIG, REQUEST_TIMEOUT_DEFAULT);
    maxPendingRequests = in.intInRange(MAX_PENDING_CONFIG, MAX_PENDING_DEFAULT, 1, 10_000_000);
    long body = in.positiveBytes(MAX_BODY_BYTES_CONFIG, MAX_BODY_BYTES_DEFAULT);
    if (body > MAX_BODY_BYTES_LIMIT) {
      throw OptionReader.invalid(
          MAX_BODY_BYTES_CONFIG, in.raw(MAX_BODY_BYTES_CONFIG), "must be at most 512m");
    }
    maxBodyBytes = (int) body;
    maxInitialLineLength =
        in.intInRange(MAX_INITIAL_LINE_CONFIG, MAX_INITIAL_LINE_DEFAULT, 64, 1024 * 1024);
    maxHeaderBytes = in.intInRange(MAX_HEADER_BYTES_CONFIG, MAX_HEADER_BYTES_DEFAULT, 256, 1 << 20);
    readTimeoutMs = in.positiveMillis(READ_TIMEOUT_CONFIG, READ_TIMEOUT_DEFAULT);
    idleTimeoutMs = in.positiveMillis(IDLE_TIMEOUT_CONFIG, IDLE_TIMEOUT_DEFAULT);
    drainTimeoutMs = in.positiveMillis(DRAIN_TIMEOUT_CONFIG, DRAIN_TIMEOUT_DEFAULT);
    numPartitions = in.intInRange(NUM_PARTITIONS_CONFIG, NUM_PARTITIONS_DEFAULT, 1, 10_000);
    warmUpBatches = in.intInRange(WARM_UP_BATCHES_CONFIG, WARM_UP_BATCHES_DEFAULT, 0, 1_000);
    warmUpBatchTimeMs = in.positiveMillis(WARM_UP_BATCH_TIME_CONFIG, WARM_UP_BATCH_TIME_DEFAULT);
    maxConnections = in.intInRange(MAX_CONNECTIONS_CONFIG, MAX_CONNECTIONS_DEFAULT, 1, 1_000_000);
    maxPipelinedRequests = in.intInRange(MAX_PIPELINED_CONFIG, MAX_PIPELINED_DEFAULT, 1, 10_000);
    String token = in.raw(AUTH_TOKEN_CONFIG);
    if (token != null && (token.isBlank() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
      // The value is a secret: the message names the option only.
      throw new IllegalArgumentException(
          "sparkplug-http: option 'authToken' must be visible ASCII without spaces");
    }
    authToken = token;
    tlsCertFile = in.readableFile(TLS_CERT_FILE_CONFIG);
    tlsKeyFile = in.readableFile(TLS_KEY_FILE_CONFIG);
    tlsKeyPassword = in.raw(TLS_KEY_PASSWORD_CONFIG);
    tlsClientCaFile = in.readableFile(TLS_CLIENT_CA_FILE_CONFIG);
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      throw new IllegalArgumentException(
          "sparkplug-http: options 'tlsCertFile' and 'tlsKeyFile' go together; set both or neither");
    }
    if (tlsClientCaFile != null && tlsCertFile == null) {
      throw new IllegalArgumentException(
          "sparkplug-http: option 'tlsClientCaFile' needs 'tlsCertFile' and 'tlsKeyFile'");
    }
    corsOrigins = parseCorsOrigins(in.raw(CORS_ORIGINS_CONFIG));
    requestSchema = RequestSchemas.parse(in.raw(REQUEST_SCHEMA_CONFIG));
    rejectUnknownFields =
        in.lowerCaseChoice(UNKNOWN_FIELDS_CONFIG, UNKNOWN_FIELDS_DEFAULT, "ignore", "reject")
            .equals("reject");
    maxJsonDepth = in.intInRange(MAX_JSON_DEPTH_CONFIG, MAX_JSON_DEPTH_DEFAULT, 1, 10_000);
    if (oip) {
      if (requestSchema == null) {
        throw OptionReader.invalid(
            PROTOCOL_CONFIG,
            in.raw(PROTOCOL_CONFIG),
            "needs option 'requestSchema', whose fields are the model's input tensors");
      }
      RequestSchemas.checkTensors(in.raw(REQUEST_SCHEMA_CONFIG), requestSchema);
    }
    if (requestSchema != null) {
      int schemaDepth = RequestSchemas.depth(requestSchema);
      if (schemaDepth > maxJsonDepth) {
        throw OptionReader.invalid(
            MAX_JSON_DEPTH_CONFIG,
            Integer.toString(maxJsonDepth),
            "the requestSchema nests " + schemaDepth + " levels deep; allow at least that");
      }
    }
  }

  /**
   * The request body's schema, or null when requests are not validated. Parsed once from {@link
   * #REQUEST_SCHEMA_CONFIG}: an invalid DDL or an unsupported type failed {@link #parse}.
   */
  public StructType requestSchema() {
    return requestSchema;
  }

  /** Whether a body field the request schema does not name gets 400 (else it is ignored). */
  public boolean rejectUnknownFields() {
    return rejectUnknownFields;
  }

  /** True when the service speaks the Open Inference Protocol ({@code protocol=oip}). */
  public boolean oip() {
    return model != null;
  }

  /** The model an {@code oip} service serves; null otherwise. */
  public String model() {
    return model;
  }

  /** The model version of an {@code oip} service, or null when it has none. */
  public String modelVersion() {
    return modelVersion;
  }

  private static String modelName(OptionReader in, boolean oip) {
    String value = in.raw(MODEL_CONFIG);
    if (!oip) {
      if (value != null) {
        throw OptionReader.invalid(MODEL_CONFIG, value, "only with protocol=oip");
      }
      return null;
    }
    if (value == null) {
      throw OptionReader.invalid(
          PROTOCOL_CONFIG, in.raw(PROTOCOL_CONFIG), "needs option 'model', the model's name");
    }
    return pathSegment(MODEL_CONFIG, value);
  }

  private static String modelVersion(OptionReader in, String model) {
    String value = in.raw(MODEL_VERSION_CONFIG);
    if (value == null) {
      return null;
    }
    if (model == null) {
      throw OptionReader.invalid(MODEL_VERSION_CONFIG, value, "only with protocol=oip");
    }
    return pathSegment(MODEL_VERSION_CONFIG, value);
  }

  /** A model name or version: one URL path segment of unreserved characters. */
  private static String pathSegment(String key, String value) {
    if (!value.matches("[A-Za-z0-9._~-]+") || value.equals(".") || value.equals("..")) {
      throw OptionReader.invalid(
          key, value, "must be one path segment of letters, digits and '.', '_', '~', '-'");
    }
    return value;
  }

  /** The deepest JSON nesting a typed body may have. */
  public int maxJsonDepth() {
    return maxJsonDepth;
  }

  /** Validates the options of a source; throws {@link IllegalArgumentException} naming the key. */
  public static ServiceOptions parse(Map<String, String> options) {
    return new ServiceOptions(new OptionReader(options));
  }

  /**
   * The request schema the options name, or null when unset or invalid: the table's schema is
   * needed before the options are validated, and an invalid one fails when the query starts.
   */
  public static StructType requestSchemaIfValid(Map<String, String> options) {
    try {
      return RequestSchemas.parse(new OptionReader(options).raw(REQUEST_SCHEMA_CONFIG));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Checks a service path and drops trailing slashes: {@code /api/} serves as {@code /api}. */
  static String normalizePath(String value) {
    if (!value.startsWith("/") || value.contains("?") || value.contains("#")) {
      throw OptionReader.invalid(
          PATH_CONFIG, value, "must start with '/' and hold no query string or fragment");
    }
    String trimmed = value;
    while (trimmed.length() > 1 && trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  /**
   * Exact origins as a browser sends them ({@code scheme://host[:port]}, no path, no trailing
   * slash), or {@code *} alone. Null or blank: CORS is off.
   */
  static Set<String> parseCorsOrigins(String value) {
    if (value == null || value.isBlank()) {
      return Set.of();
    }
    Set<String> origins = new LinkedHashSet<>();
    for (String part : value.split(",")) {
      String origin = part.trim();
      if (origin.isEmpty()) {
        continue;
      }
      if (!origin.equals("*") && !origin.matches("(?i)https?://[a-z0-9.\\-\\[\\]:]+")) {
        throw OptionReader.invalid(
            CORS_ORIGINS_CONFIG,
            value,
            "must be '*' or comma-separated origins such as https://app.example.com:8443"
                + " (scheme, host and port only)");
      }
      origins.add(origin.equals("*") ? origin : origin.toLowerCase(Locale.ROOT));
    }
    if (origins.contains("*") && origins.size() > 1) {
      throw OptionReader.invalid(CORS_ORIGINS_CONFIG, value, "'*' stands alone");
    }
    if (origins.isEmpty()) {
      throw OptionReader.invalid(CORS_ORIGINS_CONFIG, value, "must name at least one origin");
    }
    return Set.copyOf(origins);
  }

  /** A Spark DDL struct (the fields of a JSON object); null when the option is not set. */
  public static StructType parseSchema(String key, String ddl) {
    if (ddl == null) {
      return null;
    }
    StructType schema;
    try {
      schema = StructType.fromDDL(ddl);
    } catch (Exception e) { // Spark's ParseException is checked in Java's eyes, unchecked in Scala
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw OptionReader.invalid(
          key, ddl, "must be Spark DDL such as 'item STRING NOT NULL, quantity INT' (" + why + ")");
    }
    if (schema.fields().length == 0) {
      throw OptionReader.invalid(key, ddl, "must declare at least one field");
    }
    return schema;
  }

  private static Set<String> parseMethods(String value) {
    Set<String> parsed = new LinkedHashSet<>();
    for (String method : value.split(",")) {
      String m = method.trim().toUpperCase(Locale.ROOT);
      if (m.isEmpty()) {
        continue;
      }
      if (!m.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
        throw OptionReader.invalid(METHODS_CONFIG, value, "must list HTTP methods like GET,POST");
      }
      parsed.add(m);
    }
    if (parsed.isEmpty()) {
      throw OptionReader.invalid(METHODS_CONFIG, value, "must name at least one method");
    }
    return Set.copyOf(parsed);
  }

  /** The port, or the first port of the range. */
  public int port() {
    return port;
  }

  /** The last port of the range; equal to {@link #port()} for a single port. */
  public int lastPort() {
    return lastPort;
  }

  /** The driver's internal endpoint port; 0 for any free port. */
  public int controlPort() {
    return controlPort;
  }

  /** The bind address the user set, or null to let the mode choose. */
  public String host() {
    return host;
  }

  public String path() {
    return path;
  }

  /** The path as a template: its literal segments and {@code {name}} parameters. */
  public PathTemplate pathTemplate() {
    return pathTemplate;
  }

  public Mode mode() {
    return mode;
  }

  public boolean executorMode() {
    return mode == Mode.EXECUTOR;
  }

  public Set<String> methods() {
    return methods;
  }

  /**
   * Methods in a stable order, for the {@code Allow} header: the {@code methods} option, plus
   * {@code HEAD} where {@code GET} is allowed and {@code OPTIONS}, which the server answers itself.
   */
  public String allowHeader() {
    Set<String> all = new LinkedHashSet<>(methods);
    if (methods.contains("GET")) {
      all.add("HEAD");
    }
    all.add("OPTIONS");
    String[] sorted = all.toArray(new String[0]);
    Arrays.sort(sorted);
    return String.join(", ", sorted);
  }

  /**
   * Whether {@code method} reaches the query: one the {@code methods} option lists, or {@code HEAD}
   * where {@code GET} is listed.
   */
  public boolean admits(String method) {
    return methods.contains(method) || (method.equals("HEAD") && methods.contains("GET"));
  }

  /** The origins allowed to call from a browser ({@code *} for any); empty when CORS is off. */
  public Set<String> corsOrigins() {
    return corsOrigins;
  }

  /** The origin to name in {@code Access-Control-Allow-Origin}, or null when not allowed. */
  public String corsAllowedOrigin(String origin) {
    if (origin == null || corsOrigins.isEmpty()) {
      return null;
    }
    if (corsOrigins.contains("*")) {
      return "*";
    }
    return corsOrigins.contains(origin.toLowerCase(Locale.ROOT)) ? origin : null;
  }

  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  public int maxPendingRequests() {
    return maxPendingRequests;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  public int maxInitialLineLength() {
    return maxInitialLineLength;
  }

  public int maxHeaderBytes() {
    return maxHeaderBytes;
  }

  public long readTimeoutMs() {
    return readTimeoutMs;
  }

  public long idleTimeoutMs() {
    return idleTimeoutMs;
  }

  public long drainTimeoutMs() {
    return drainTimeoutMs;
  }

  /** Real-time mode: how many of a query run's first batches are warm-up batches. */
  public int warmUpBatches() {
    return warmUpBatches;
  }

  /** Real-time mode: how long each warm-up batch reads before it ends. */
  public long warmUpBatchTimeMs() {
    return warmUpBatchTimeMs;
  }

  /**
   * How long the readers of the next real-time batch read before they end it, once {@code
   * endedBatches} real-time batches of the query run have ended: {@link #warmUpBatchTimeMs()}
   * during the warm-up, 0 (read until the batch deadline) after it.
   */
  public long endEarlyMillis(int endedBatches) {
    return endedBatches < warmUpBatches ? warmUpBatchTimeMs : 0;
  }

  /** Real-time warm-up batches still to run once {@code endedBatches} have ended. */
  public int warmUpBatchesLeft(int endedBatches) {
    return Math.max(0, warmUpBatches - endedBatches);
  }

  public int maxConnections() {
    return maxConnections;
  }

  public int maxPipelinedRequests() {
    return maxPipelinedRequests;
  }

  /** The bearer token clients must send, or null when the service is open. */
  public String authToken() {
    return authToken;
  }

  public String tlsCertFile() {
    return tlsCertFile;
  }

  public String tlsKeyFile() {
    return tlsKeyFile;
  }

  public String tlsKeyPassword() {
    return tlsKeyPassword;
  }

  public String tlsClientCaFile() {
    return tlsClientCaFile;
  }

  @Override
  public String toString() {
    // Never prints the token or the key password.
    return "sparkplug-http service on port "
        + (lastPort == port ? Integer.toString(port) : port + "-" + lastPort)
        + " path "
        + path;
  }

  /** The partition count the user set, or 0 to follow Spark's default parallelism. */
  public int numPartitions() {
    return numPartitions;
  }
}
