package io.sparkplug.http.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkplug.http.TestSpark;
import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.JvmAddresses;
import io.sparkplug.http.cluster.Secret;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.reply.ReplyDispatcher;
import io.sparkplug.http.reply.ReplyTarget.Outcome;
import io.sparkplug.http.reply.RequestId;
import io.sparkplug.http.server.HttpService;
import io.sparkplug.http.server.LocalServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A serving instance registers everything it starts, and releases all of it, even half-started. */
@Timeout(60)
class ServingInstanceTest {
  private static final String HOST = "127.0.0.1";

  @Test
  void failedControlStartLeavesNothingRegisteredAndNoPortBound() throws IOException {
    int port = TestSpark.freePort();
    ServiceOptions options =
        ServiceOptions.parse(Map.of("port", Integer.toString(port), "path", "/leak"));
    RequestLog log = new RequestLog();
    AtomicReference<HttpService> started = new AtomicReference<>();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      IllegalArgumentException failure =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  ServingInstance.start(
                      () -> {
                        started.set(HttpService.start(options, HOST, log));
                        return started.get();
                      },
                      log,
                      () -> control(taken.getLocalPort()),
                      HOST));
      assertTrue(failure.getMessage().contains("in use"), failure.getMessage());
    }
    String id = started.get().instance();
    assertNull(ServingInstance.findLocal(id));
    assertNull(JvmAddresses.forId(RequestId.format(id, 0), Map.of()));
    assertEquals(
        Outcome.UNROUTABLE,
        ReplyDispatcher.deliver(RequestId.format(id, 0), Reply.error(200, "late", false)));
    assertTrue(!LocalServices.serves(port, "/leak"));
    assertBindable(port);
  }

  @Test
  void closeReleasesWhatStartRegistered() throws IOException {
    int port = TestSpark.freePort();
    ServiceOptions options =
        ServiceOptions.parse(Map.of("port", Integer.toString(port), "path", "/closed"));
    RequestLog log = new RequestLog();
    ServingInstance instance =
        ServingInstance.start(
            () -> HttpService.start(options, HOST, log), log, () -> control(0), HOST);
    String id = instance.id();
    int controlPort = instance.control().port();
    assertSame(instance, ServingInstance.findLocal(id));
    assertSame(log, instance.log());
    assertNotNull(JvmAddresses.forId(RequestId.format(id, 0), Map.of()));
    assertTrue(LocalServices.serves(port, "/closed"));

    instance.close();

    assertNull(ServingInstance.findLocal(id));
    assertNull(JvmAddresses.forId(RequestId.format(id, 0), Map.of()));
    assertTrue(!LocalServices.serves(port, "/closed"));
    assertBindable(port);
    assertBindable(controlPort);
  }

  /**
   * A query that stops and starts again on its port in the same JVM binds it right after the close:
   * close must not return while the socket is still held (NIO frees it one selector pass later).
   */
  @Test
  void closeReturnsOnlyOnceThePortsCanBeBoundAgain() throws IOException {
    int port = TestSpark.freePort();
    ServiceOptions options =
        ServiceOptions.parse(Map.of("port", Integer.toString(port), "path", "/again"));
    for (int round = 0; round < 100; round++) {
      HttpService service = HttpService.start(options, HOST, new RequestLog());
      ControlServer control = control(0);
      int controlPort = control.port();
      service.close();
      control.close();
      assertBindable(port);
      assertBindable(controlPort);
    }
  }

  private static ControlServer control(int port) {
    return ControlServer.start(HOST, port, Secret.random(), Map.of(), Map.of(), "controlPort");
  }

  private static void assertBindable(int port) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
    }
  }
}
