package io.sparkplug.http.sink;

import io.sparkplug.http.cluster.ControlServer;
import io.sparkplug.http.cluster.ReplyForwarder;
import io.sparkplug.http.cluster.Secret;
import io.sparkplug.http.config.ServiceOptions;
import io.sparkplug.http.server.HttpService;
import io.sparkplug.http.source.RequestLog;
import io.sparkplug.http.source.ServingInstance;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The other JVM of {@link ForwardedRepliesTest}: a serving instance whose clients a writer in the
 * test's JVM replies to, so its replies are forwarded. Its internal endpoint is the real one
 * ({@link ReplyForwarder#receive} behind the secret), except that it holds each forwarded call
 * until the test allows one acknowledgement.
 *
 * <p>Lines on stdout, each starting {@code PEER}: {@code READY <address>} (the internal endpoint's
 * address, secret included, serialized in Base64), {@code REQUEST <id> <body>} for each request the
 * service accepted, {@code HELD} when a forwarded call arrived and waits. Each line {@code ack} on
 * stdin lets one held call be answered. It exits when its stdin closes, and after five minutes at
 * the latest.
 */
public final class ForwardingPeer {
  private static final long LIFETIME_MINUTES = 5;
  private static final PrintStream OUT = System.out;

  private ForwardingPeer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Semaphore acks = new Semaphore(0);
    Secret secret = Secret.random();
    ServiceOptions options = ServiceOptions.parse(Map.of("port", Integer.toString(port)));
    ServingInstance instance =
        ServingInstance.start(
            () ->
                HttpService.start(
                    options,
                    "127.0.0.1",
                    record ->
                        say(
                            "REQUEST "
                                + record.id()
                                + " "
                                + new String(record.body(), StandardCharsets.UTF_8))),
            new RequestLog(),
            () ->
                ControlServer.start(
                    "127.0.0.1",
                    0,
                    secret,
                    Map.of(
                        ReplyForwarder.PATH,
                        body -> {
                          say("HELD");
                          if (!acks.tryAcquire(LIFETIME_MINUTES, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("no ack allowed");
                          }
                          return ReplyForwarder.receive(body);
                        }),
                    Map.of(),
                    "controlPort"),
            "127.0.0.1");
    say("READY " + serialized(instance));
    Thread lifetime =
        new Thread(
            () -> {
              try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(LIFETIME_MINUTES));
              } catch (InterruptedException e) {
                return;
              }
              Runtime.getRuntime().halt(3);
            },
            "peer-lifetime");
    lifetime.setDaemon(true);
    lifetime.start();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.equals("ack")) {
        acks.release();
      }
    }
    Runtime.getRuntime().halt(0);
  }

  private static String serialized(ServingInstance instance) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(instance.address());
    }
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  private static synchronized void say(String line) {
    OUT.println("PEER " + line);
    OUT.flush();
  }
}
