package io.sparkplug.http.config;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/** Options of a {@code sparkplug-http} sink. All are optional. */
public final class ReplyOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Port of the service this sink answers. When set, the query fails at start unless a
   * sparkplug-http service listens there. Default {@value #PORT_DEFAULT}: any service of this
   * application.
   */
  public static final String PORT_CONFIG = "port";

  public static final int PORT_DEFAULT = 0;

  /** Path of the service this sink answers, checked like {@link #PORT_CONFIG}. */
  public static final String PATH_CONFIG = "path";

  /**
   * Content type of replies whose {@code headers} do not set one. Default: {@code text/plain;
   * charset=utf-8} for a string body, {@code application/octet-stream} for a binary body.
   */
  public static final String CONTENT_TYPE_CONFIG = "contentType";

  /**
   * The JSON shape of reply bodies, in Spark DDL, published in {@code /-/openapi.json} for the
   * services this sink answers. Default: none (the reply body is described as opaque content).
   */
  public static final String REPLY_SCHEMA_CONFIG = "replySchema";

  /**
   * {@code oip}: the reply rows are Open Inference Protocol outputs (each column other than {@code
   * id}, {@code status}, {@code headers} and {@code error} is an output tensor), for a source with
   * {@code protocol=oip}. Default: {@value ServiceOptions#PROTOCOL_DEFAULT}.
   */
  public static final String PROTOCOL_CONFIG = "protocol";

  private final int port;
  private final boolean oip;
  private final String path;
  private final String contentType;
  private final StructType replySchema;

  private ReplyOptions(OptionReader in) {
    port = in.intInRange(PORT_CONFIG, PORT_DEFAULT, 1, 65_535);
    String rawPath = in.string(PATH_CONFIG, null);
    if (rawPath != null && port == 0) {
      throw new IllegalArgumentException(
          "sparkplug-http sink: option 'path' needs option 'port' to name the service");
    }
    path = rawPath == null ? null : ServiceOptions.normalizePath(rawPath);
    contentType = in.string(CONTENT_TYPE_CONFIG, null);
    oip =
        in.lowerCaseChoice(
                PROTOCOL_CONFIG,
                ServiceOptions.PROTOCOL_DEFAULT,
                ServiceOptions.PROTOCOL_DEFAULT,
                ServiceOptions.PROTOCOL_OIP)
            .equals(ServiceOptions.PROTOCOL_OIP);
    if (oip && in.raw(REPLY_SCHEMA_CONFIG) != null) {
      throw OptionReader.invalid(
          REPLY_SCHEMA_CONFIG,
          in.raw(REPLY_SCHEMA_CONFIG),
          "not with protocol=oip, whose output tensors are the reply columns");
    }
    try {
      replySchema = ServiceOptions.parseSchema(REPLY_SCHEMA_CONFIG, in.raw(REPLY_SCHEMA_CONFIG));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage().replace("sparkplug-http:", "sparkplug-http sink:"), e);
    }
  }

  public static ReplyOptions parse(Map<String, String> options) {
    return new ReplyOptions(new OptionReader(options));
  }

  /** The port named by the user, or 0 for any. */
  public int port() {
    return port;
  }

  /** The path named by the user, or null for any. */
  public String path() {
    return path;
  }

  /** True for {@code protocol=oip}: reply columns are output tensors. */
  public boolean oip() {
    return oip;
  }

  /** The declared JSON shape of reply bodies, or null when not declared. */
  public StructType replySchema() {
    return replySchema;
  }

  /** The user's default content type, or null to follow the body type. */
  public String contentType() {
    return contentType;
  }
}
