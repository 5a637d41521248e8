package io.sparkplug.http.rows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.CharType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.VarcharType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Typed request bodies: a JSON body checked against the {@code requestSchema} and converted, in one
 * streaming pass, to the {@code request} column's value. Runs on the Netty thread that gathered the
 * body, before admission, so an invalid body never reaches the query. The value travels as the
 * bytes of an {@link UnsafeRow}: readers only wrap them, in any JVM.
 *
 * <p>Each type is a {@link Node} compiled once from the schema; a body is walked with Jackson's
 * streaming parser under {@link StreamReadConstraints} (nesting depth, string and number length,
 * document length), so a hostile body costs time and memory in proportion to its size, which {@code
 * maxBodyBytes} bounds. Errors name the field by JSON Pointer (RFC 6901); at most {@value
 * #MAX_ERRORS} are reported.
 */
public final class JsonRequests {
  public static final String PROBLEM_TYPE = "urn:sparkplug-http:problem:invalid-request";
  static final int MAX_ERRORS = 16;
  private static final int MAX_NUMBER_LENGTH = 1000;
  private static final Object INVALID = new Object();

  private final StructType schema;
  private final StructNode root;
  private final JsonFactory factory;
  private final int maxDepth;
  private final boolean rejectUnknown;
  private final ThreadLocal<UnsafeProjection> projection;

  /** Why a body was refused: a one-sentence detail and the failing fields. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<FieldError> errors;

    Invalid(String detail, List<FieldError> errors) {
      super(detail, null, false, false);
      this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
      return errors;
    }

    /** The RFC 9457 problem document of this refusal. */
    public byte[] problemJson() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
        json.writeStartObject();
        json.writeStringField("type", PROBLEM_TYPE);
        json.writeStringField("title", "Invalid request body");
        json.writeNumberField("status", 400);
        json.writeStringField("detail", getMessage());
        json.writeArrayFieldStart("errors");
        for (FieldError error : errors) {
          json.writeStartObject();
          json.writeStringField("pointer", error.pointer());
          json.writeStringField("detail", error.detail());
          json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }
  }

  /** One failing field: its JSON Pointer and what was expected there. */
  public record FieldError(String pointer, String detail) {}

  public JsonRequests(StructType schema, boolean rejectUnknown, int maxDepth, int maxBodyBytes) {
    this.schema = schema;
    this.rejectUnknown = rejectUnknown;
    this.maxDepth = maxDepth;
    this.root = new StructNode(schema);
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxDepth)
                    .maxStringLength(Math.max(1, maxBodyBytes))
                    .maxDocumentLength(Math.max(1, maxBodyBytes))
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    this.projection = ThreadLocal.withInitial(() -> UnsafeProjection.create(schema));
    // Compiles the projection now, on the starting thread, so no request pays for it.
    projection.get();
  }

  public StructType schema() {
    return schema;
  }

  /** Number of fields of the request struct, what a reader needs to wrap the bytes. */
  public int fieldCount() {
    return schema.fields().length;
  }

  /**
   * The {@code request} value of a body, as {@link UnsafeRow} bytes.
   *
   * @throws Invalid when the body is not JSON or does not match the schema
   */
  public byte[] toRow(byte[] body) throws Invalid {
    Walk walk = new Walk();
    try (JsonParser parser = factory.createParser(body)) {
      walk.parser = parser;
      JsonToken token = parser.nextToken();
      if (token == null) {
        walk.errors.add(new FieldError("", "expected a JSON object, got an empty body"));
        throw new Invalid("The request body is empty; a JSON object is required.", walk.errors);
      }
      Object value = root.read(walk, token);
      if (parser.nextToken() != null) {
        walk.errors.add(new FieldError("", "unexpected content after the JSON object"));
      }
      if (value == INVALID || !walk.errors.isEmpty()) {
        throw walk.invalid();
      }
      return projection.get().apply((GenericInternalRow) value).getBytes();
    } catch (StreamConstraintsException e) {
      walk.errors.add(new FieldError(pointer(walk.parser), limitDetail(e)));
      throw new Invalid("The request body exceeds a JSON limit.", walk.errors);
    } catch (JsonProcessingException e) {
      walk.errors.add(new FieldError(pointer(walk.parser), e.getOriginalMessage()));
      throw new Invalid("The request body is not valid JSON.", walk.errors);
    } catch (IOException e) {
      // A byte array cannot fail to read; Jackson only declares it.
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      // A value no check foresaw must still get an answer, never a dropped connection.
      walk.errors.add(new FieldError(pointer(walk.parser), "a value that cannot be read here"));
      throw new Invalid("The request body could not be read.", walk.errors);
    }
  }

  private String limitDetail(StreamConstraintsException e) {
    String message = String.valueOf(e.getOriginalMessage());
    if (message.contains("nesting depth")) {
      return "nesting deeper than maxJsonDepth (" + maxDepth + ")";
    }
    if (message.contains("Number value length")) {
      return "a number longer than " + MAX_NUMBER_LENGTH + " characters";
    }
    if (message.contains("String value length")) {
      return "a string longer than maxBodyBytes";
    }
    return message;
  }

  private static String pointer(JsonParser parser) {
    return parser == null ? "" : parser.getParsingContext().pathAsPointer().toString();
  }

  /** One body's walk: its parser and the errors found so far. */
  private static final class Walk {
    JsonParser parser;
    final List<FieldError> errors = new ArrayList<>(2);

    /** Records an error at the current token; stops the walk once enough are known. */
    Object error(String detail) throws Invalid {
      return errorAt(pointer(parser), detail);
    }

    Object errorAt(String pointer, String detail) throws Invalid {
      errors.add(new FieldError(pointer, detail));
      if (errors.size() >= MAX_ERRORS) {
        throw invalid();
      }
      return INVALID;
    }

    Invalid invalid() {
      return new Invalid(
          errors.size() == 1
              ? "One field of the request body does not match the requestSchema."
              : errors.size() + " fields of the request body do not match the requestSchema.",
          errors);
    }

    /** A value of the wrong JSON type: reports it and skips the value. */
    Object mismatch(Node node, JsonToken token) throws IOException, Invalid {
      error("expected " + node.expected + ", got " + describe(token));
      if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
        parser.skipChildren();
      }
      return INVALID;
    }
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number with a fraction or exponent";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.asString() == null ? token.name() : token.asString();
    };
  }

  /** The JSON form of one Spark type: reads a value starting at its first token. */
  private abstract static class Node {
    final String expected;

    Node(String expected) {
      this.expected = expected;
    }

    /** The value in Spark's internal form, or {@link #INVALID} after recording why. */
    abstract Object read(Walk walk, JsonToken token) throws IOException, Invalid;

    /** A value in a slot that may or may not hold null. */
    final Object readSlot(Walk walk, JsonToken token, boolean nullable)
        throws IOException, Invalid {
      if (token == JsonToken.VALUE_NULL) {
        return nullable ? null : walk.error("expected " + expected + ", got null (NOT NULL)");
      }
      return read(walk, token);
    }
  }

  private Node compile(DataType type) {
    if (type instanceof StructType struct) {
      return new StructNode(struct);
    }
    if (type instanceof ArrayType array) {
      return new ArrayNode(array);
    }
    if (type instanceof MapType map) {
      return new MapNode(map);
    }
    if (IntegralTypes.integral(type)) {
      return new IntegerNode(type);
    }
    if (type instanceof FloatType || type instanceof DoubleType) {
      return new FloatingNode(type);
    }
    if (type instanceof DecimalType decimal) {
      return new DecimalNode(decimal);
    }
    if (type instanceof BooleanType) {
      return new BooleanNode();
    }
    if (type instanceof StringType
        || type instanceof BinaryType
        || type instanceof DateType
        || type instanceof TimestampType
        || type instanceof TimestampNTZType) {
      return new TextNode(type);
    }
    // The option check refused every other type when the query started.
    throw new IllegalArgumentException("no JSON form for " + type.sql());
  }

  private final class StructNode extends Node {
    private final String[] names;
    private final boolean[] nullable;
    private final Node[] fields;
    private final Map<String, Integer> index;

    StructNode(StructType struct) {
      super("an object (STRUCT)");
      StructField[] declared = struct.fields();
      names = new String[declared.length];
      nullable = new boolean[declared.length];
      fields = new Node[declared.length];
      index = new HashMap<>(declared.length * 2);
      for (int i = 0; i < declared.length; i++) {
        names[i] = declared[i].name();
        nullable[i] = declared[i].nullable();
        fields[i] = compile(declared[i].dataType());
        index.put(names[i], i);
      }
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.START_OBJECT) {
        return walk.mismatch(this, token);
      }
      JsonParser parser = walk.parser;
      Object[] values = new Object[fields.length];
      boolean[] seen = new boolean[fields.length];
      boolean valid = true;
      JsonToken next;
      while ((next = parser.nextToken()) == JsonToken.FIELD_NAME) {
        Integer at = index.get(parser.currentName());
        JsonToken value = parser.nextToken();
        if (at == null) {
          if (rejectUnknown) {
            walk.error("unknown field (the requestSchema has no such field; unknownFields=reject)");
            valid = false;
          }
          parser.skipChildren();
          continue;
        }
        int i = at;
        if (seen[i]) {
          walk.error("duplicate field");
          parser.skipChildren();
          valid = false;
          continue;
        }
        seen[i] = true;
        Object read = fields[i].readSlot(walk, value, nullable[i]);
        if (read == INVALID) {
          valid = false;
        } else {
          values[i] = read;
        }
      }
      if (next != JsonToken.END_OBJECT) {
        // Jackson reports malformed objects itself; this is only a guard.
        return walk.error("expected a field name, got " + describe(next));
      }
      String here = null;
      for (int i = 0; i < fields.length; i++) {
        if (!seen[i] && !nullable[i]) {
          if (here == null) {
            here = pointer(parser);
          }
          walk.errorAt(
              here + "/" + escape(names[i]),
              "missing required field, expected " + fields[i].expected);
          valid = false;
        }
      }
      return valid ? new GenericInternalRow(values) : INVALID;
    }
  }

  private final class ArrayNode extends Node {
    private final Node element;
    private final boolean containsNull;

    ArrayNode(ArrayType type) {
      super("an array (" + type.sql() + ")");
      element = compile(type.elementType());
      containsNull = type.containsNull();
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.START_ARRAY) {
        return walk.mismatch(this, token);
      }
      JsonParser parser = walk.parser;
      List<Object> values = new ArrayList<>();
      boolean valid = true;
      JsonToken next;
      while ((next = parser.nextToken()) != JsonToken.END_ARRAY && next != null) {
        Object read = element.readSlot(walk, next, containsNull);
        valid &= read != INVALID;
        if (valid) {
          values.add(read);
        }
      }
      return valid ? new GenericArrayData(values.toArray()) : INVALID;
    }
  }

  private final class MapNode extends Node {
    private final Node value;
    private final boolean valueContainsNull;

    MapNode(MapType type) {
      super("an object (" + type.sql() + ")");
      value = compile(type.valueType());
      valueContainsNull = type.valueContainsNull();
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.START_OBJECT) {
        return walk.mismatch(this, token);
      }
      JsonParser parser = walk.parser;
      List<Object> keys = new ArrayList<>();
      List<Object> values = new ArrayList<>();
      HashSet<String> seen = new HashSet<>();
      boolean valid = true;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken next = parser.nextToken();
        if (!seen.add(key)) {
          walk.error("duplicate key");
          parser.skipChildren();
          valid = false;
          continue;
        }
        Object read = value.readSlot(walk, next, valueContainsNull);
        valid &= read != INVALID;
        if (valid) {
          keys.add(UTF8String.fromString(key));
          values.add(read);
        }
      }
      return valid
          ? new ArrayBasedMapData(
              new GenericArrayData(keys.toArray()), new GenericArrayData(values.toArray()))
          : INVALID;
    }
  }

  private static final class IntegerNode extends Node {
    private final DataType type;
    private final long min;
    private final long max;

    IntegerNode(DataType type) {
      super("an integer (" + type.sql() + ")");
      this.type = type;
      this.min = IntegralTypes.min(type);
      this.max = IntegralTypes.max(type);
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.VALUE_NUMBER_INT) {
        return walk.mismatch(this, token);
      }
      JsonParser parser = walk.parser;
      if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        return outOfRange(walk);
      }
      long value = parser.getLongValue();
      if (value < min || value > max) {
        return outOfRange(walk);
      }
      return IntegralTypes.narrow(type, value);
    }

    private Object outOfRange(Walk walk) throws IOException, Invalid {
      return walk.error(
          "expected "
              + expected
              + ", got "
              + shortText(walk.parser.getText())
              + ", out of range ["
              + min
              + ", "
              + max
              + "]");
    }
  }

  private static final class FloatingNode extends Node {
    private final boolean single;

    FloatingNode(DataType type) {
      super("a number (" + type.sql() + ")");
      this.single = type instanceof FloatType;
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
        return walk.mismatch(this, token);
      }
      double value = walk.parser.getDoubleValue();
      if (Double.isInfinite(value) || (single && Math.abs(value) > Float.MAX_VALUE)) {
        return walk.error(
            "expected "
                + expected
                + ", got "
                + shortText(walk.parser.getText())
                + ", out of range");
      }
      return single ? (Object) (float) value : (Object) value;
    }
  }

  private static final class DecimalNode extends Node {
    private final int precision;
    private final int scale;

    DecimalNode(DecimalType type) {
      super("a number (" + type.sql() + ")");
      this.precision = type.precision();
      this.scale = type.scale();
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
        return walk.mismatch(this, token);
      }
      BigDecimal value = walk.parser.getDecimalValue();
      // Checked on precision and scale before any rescaling: 1e999999999 costs nothing.
      if ((long) value.precision() - value.scale() > precision - scale) {
        return walk.error(
            "expected "
                + expected
                + ", got "
                + shortText(walk.parser.getText())
                + ", more than "
                + (precision - scale)
                + " digits before the point");
      }
      if (value.scale() > scale) {
        value = value.stripTrailingZeros();
        if (value.scale() > scale) {
          return walk.error(
              "expected "
                  + expected
                  + ", got "
                  + shortText(walk.parser.getText())
                  + ", more than "
                  + scale
                  + " digits after the point");
        }
      }
      return Decimal.apply(value.setScale(scale), precision, scale);
    }
  }

  private static final class BooleanNode extends Node {
    BooleanNode() {
      super("a boolean (BOOLEAN)");
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token == JsonToken.VALUE_TRUE) {
        return true;
      }
      if (token == JsonToken.VALUE_FALSE) {
        return false;
      }
      return walk.mismatch(this, token);
    }
  }

  /** Types whose JSON form is a string: text, base64 bytes, ISO 8601 dates and timestamps. */
  private static final class TextNode extends Node {
    private final DataType type;

    TextNode(DataType type) {
      super(expectedText(type));
      this.type = type;
    }

    private static String expectedText(DataType type) {
      if (type instanceof BinaryType) {
        return "a base64 string (BINARY)";
      }
      if (type instanceof DateType) {
        return "an ISO 8601 date such as 2026-01-31 (DATE)";
      }
      if (type instanceof TimestampType) {
        return "an ISO 8601 timestamp with an offset such as 2026-01-31T12:00:00Z (TIMESTAMP)";
      }
      if (type instanceof TimestampNTZType) {
        return "an ISO 8601 local timestamp such as 2026-01-31T12:00:00 (TIMESTAMP_NTZ)";
      }
      if (type instanceof VarcharType varchar) {
        return "a string of at most " + varchar.length() + " characters (VARCHAR)";
      }
      if (type instanceof CharType chars) {
        return "a string of at most " + chars.length() + " characters (CHAR)";
      }
      return "a string (STRING)";
    }

    /** The longest string a {@code CHAR(n)} or {@code VARCHAR(n)} field takes, else -1. */
    private static int maxLength(DataType type) {
      if (type instanceof VarcharType varchar) {
        return varchar.length();
      }
      return type instanceof CharType chars ? chars.length() : -1;
    }

    @Override
    Object read(Walk walk, JsonToken token) throws IOException, Invalid {
      if (token != JsonToken.VALUE_STRING) {
        return walk.mismatch(this, token);
      }
      String text = walk.parser.getText();
      if (type instanceof StringType) {
        int max = maxLength(type);
        if (max >= 0 && text.codePointCount(0, text.length()) > max) {
          return walk.error(
              "expected "
                  + expected
                  + ", got "
                  + text.codePointCount(0, text.length())
                  + " characters");
        }
        return UTF8String.fromString(text);
      }
      try {
        if (type instanceof BinaryType) {
          return Base64.getDecoder().decode(text);
        }
        if (type instanceof DateType) {
          return (int) LocalDate.parse(text).toEpochDay();
        }
        if (type instanceof TimestampType) {
          return micros(OffsetDateTime.parse(text).toInstant());
        }
        return micros(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
      } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
        return walk.error("expected " + expected + ", got \"" + shortText(text) + "\"");
      }
    }

    private static long micros(Instant instant) {
      return Math.addExact(
          Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }
  }

  /** A value quoted in an error: long ones are cut, so an error stays one short line. */
  private static String shortText(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }

  /** A field name as one JSON Pointer reference token (RFC 6901). */
  static String escape(String name) {
    return name.indexOf('~') < 0 && name.indexOf('/') < 0
        ? name
        : name.replace("~", "~0").replace("/", "~1");
  }
}
