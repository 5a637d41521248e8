package io.sparkplug.http.reply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RequestIdTest {
  @Test
  void idCarriesInstanceAndSequence() {
    String instance = RequestId.newInstance();
    String id = RequestId.format(instance, 123_456_789L);
    assertEquals(instance, RequestId.instanceOf(id));
    assertEquals(123_456_789L, RequestId.sequenceOf(id));
  }

  @Test
  void instancesDiffer() {
    assertNotEquals(RequestId.newInstance(), RequestId.newInstance());
  }

  @Test
  void foreignIdsAreRecognised() {
    assertNull(RequestId.instanceOf("not-ours"));
    assertEquals(-1, RequestId.sequenceOf("not-ours"));
    assertEquals(-1, RequestId.sequenceOf("abcdefghijkl-"));
    assertEquals(-1, RequestId.sequenceOf("abcdefghijkl-!!"));
    assertEquals(ReplyTarget.Outcome.UNROUTABLE, ReplyDispatcher.deliver("abcdefghijkl-1", null));
  }
}
