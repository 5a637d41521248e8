package io.sparkplug.http.oip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkplug.http.reply.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/**
 * The tensor types OipTest's linear model does not reach, without Spark running: each datatype in
 * and out, matrices, scalar shapes, ranges, and the reply the server assembles.
 */
class InferRequestsTest {
  private static final StructType INPUTS =
      StructType.fromDDL(
          "b BOOLEAN, t TINYINT, s SMALLINT, l BIGINT, f FLOAT, text STRING,"
              + " m ARRAY<ARRAY<INT>>");
  private static final InferRequests REQUESTS = new InferRequests(INPUTS, 64, 1 << 20);

  private static String tensor(String name, String datatype, String shape, String data) {
    return "{\"name\":\""
        + name
        + "\",\"datatype\":\""
        + datatype
        + "\",\"shape\":"
        + shape
        + ",\"data\":"
        + data
        + "}";
  }

  private static String body(String m) {
    return "{\"inputs\":["
        + String.join(
            ",",
            tensor("b", "BOOL", "[1]", "[true]"),
            tensor("t", "INT8", "[]", "[-128]"),
            tensor("s", "INT16", "[1,1]", "[[300]]"),
            tensor("l", "INT64", "[1]", "[9007199254740993]"),
            tensor("f", "FP32", "[1]", "[1.5]"),
            tensor("text", "BYTES", "[1]", "[\"héllo\"]"),
            m)
        + "],\"outputs\":[{\"name\":\"y\",\"parameters\":{}}]}";
  }

  private static InferRequests.Parsed parse(String body) throws Exception {
    return REQUESTS.parse(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyTensorTypeReachesTheRequestColumn() throws Exception {
    InferRequests.Parsed parsed = parse(body(tensor("m", "INT32", "[2,3]", "[[1,2,3],[4,5,6]]")));
    UnsafeRow row = new UnsafeRow(INPUTS.fields().length);
    row.pointTo(parsed.row(), parsed.row().length);
    assertEquals(true, row.getBoolean(0));
    assertEquals((byte) -128, row.getByte(1));
    assertEquals((short) 300, row.getShort(2));
    assertEquals(9007199254740993L, row.getLong(3));
    assertEquals(1.5f, row.getFloat(4));
    assertEquals("héllo", row.getUTF8String(5).toString());
    assertEquals(2, row.getArray(6).numElements());
    assertEquals(6, row.getArray(6).getArray(1).getInt(2));
    assertNull(parsed.clientId());
    assertEquals(List.of("y"), parsed.outputs());
    // The flat form of the same matrix, and a batch dimension of one before it.
    UnsafeRow flat = new UnsafeRow(INPUTS.fields().length);
    InferRequests.Parsed again = parse(body(tensor("m", "INT32", "[1,2,3]", "[1,2,3,4,5,6]")));
    flat.pointTo(again.row(), again.row().length);
    assertEquals(4, flat.getArray(6).getArray(1).getInt(0));
  }

  @Test
  void mismatchesAreNamed() {
    String[][] cases = {
      {
        tensor("m", "INT32", "[3,2]", "[1,2,3,4,5]"),
        "input 'm': shape [3,2] holds 6 elements, but 'data' has 5"
      },
      {
        tensor("m", "INT32", "[6]", "[1,2,3,4,5,6]"),
        "input 'm': shape [6] does not fit ARRAY<ARRAY<INT>>; expected [r,c] or [1,r,c]"
      },
      {
        tensor("m", "INT32", "[2,1,3]", "[1,2,3,4,5,6]"),
        "input 'm': shape [2,1,3] does not fit ARRAY<ARRAY<INT>>; expected [r,c] or [1,r,c]"
      },
      {
        tensor("m", "UINT32", "[1,1]", "[1]"),
        "input 'm' has datatype UINT32, but the model takes INT32"
      },
      {
        tensor("m", "INT32", "[1,1]", "[true]"),
        "input 'm': data[0] is a boolean, but INT32 takes integers"
      },
    };
    for (String[] c : cases) {
      InferRequests.Invalid invalid =
          assertThrows(InferRequests.Invalid.class, () -> parse(body(c[0])));
      assertEquals(c[1], invalid.getMessage());
    }
    InferRequests.Invalid range =
        assertThrows(
            InferRequests.Invalid.class,
            () -> parse(body(tensor("m", "INT32", "[1,1]", "[1]")).replace("[-128]", "[128]")));
    assertEquals(
        "input 't': data[0] = 128 is out of range for INT8 [-128, 127]", range.getMessage());
    InferRequests.Invalid scalar =
        assertThrows(
            InferRequests.Invalid.class,
            () ->
                parse(
                    body(tensor("m", "INT32", "[1,1]", "[1]"))
                        .replace(
                            "\"shape\":[1],\"data\":[true]",
                            "\"shape\":[2],\"data\":[true,false]")));
    assertEquals("input 'b': shape [2] does not fit BOOLEAN; expected [1]", scalar.getMessage());
  }

  @Test
  void outputsAreWrittenAsTensorsAndWrappedByTheServer() {
    StructType replies =
        StructType.fromDDL(
            "id STRING, ok BOOLEAN, m ARRAY<ARRAY<BIGINT>>, word STRING, none FLOAT");
    OutputTensors outputs = new OutputTensors(replies, new int[] {1, 2, 3, 4});
    GenericInternalRow row =
        new GenericInternalRow(
            new Object[] {
              UTF8String.fromString("id"),
              true,
              new GenericArrayData(
                  new Object[] {
                    new GenericArrayData(new Object[] {1L, 2L}),
                    new GenericArrayData(new Object[] {3L, 4L})
                  }),
              UTF8String.fromString("w"),
              null
            });
    Reply reply = outputs.reply(row, 200, null, null);
    Reply finished = OipDocuments.finish(reply, "m", null, "7", null);
    assertEquals(
        "{\"model_name\":\"m\",\"id\":\"7\",\"outputs\":["
            + "{\"name\":\"ok\",\"datatype\":\"BOOL\",\"shape\":[1],\"data\":[true]},"
            + "{\"name\":\"m\",\"datatype\":\"INT64\",\"shape\":[2,2],\"data\":[1,2,3,4]},"
            + "{\"name\":\"word\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"w\"]}]}",
        new String(finished.body(), StandardCharsets.UTF_8));
    assertEquals(0, finished.headerNames().length, "the marker header is removed");
    GenericInternalRow ragged =
        new GenericInternalRow(
            new Object[] {
              UTF8String.fromString("id"),
              true,
              new GenericArrayData(
                  new Object[] {
                    new GenericArrayData(new Object[] {1L}),
                    new GenericArrayData(new Object[] {3L, 4L})
                  }),
              null,
              null
            });
    Reply refused = outputs.reply(ragged, 200, null, null);
    assertEquals(500, refused.status());
    assertEquals(
        "{\"error\":\"output 'm' is not a rectangular matrix\"}",
        new String(refused.body(), StandardCharsets.UTF_8));
  }
}
