package io.sparkplug.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for cluster components: free when chosen, below Linux's ephemeral range (32768 and up) so
 * that no outgoing connection takes one in the meantime, and never handed out twice by this JVM.
 */
public final class FreePorts {
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port in 20000-31999 that nothing listens on at {@code host} right now. */
  public static int on(String host) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int candidate = 20_000 + random.nextInt(12_000);
      if (!HANDED_OUT.add(candidate)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), candidate), 1);
        return candidate;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port on " + host + " in 20000-31999");
  }

  /**
   * The first of {@code count} consecutive ports in 20000-31999, none handed out before and none
   * listened on at {@code host}; all of them are handed out (a range of executor ports must not
   * take in a port given to another component).
   */
  public static int range(String host, int count) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int first = 20_000 + random.nextInt(12_000 - count);
      boolean free = true;
      for (int port = first; port < first + count && free; port++) {
        free = !HANDED_OUT.contains(port) && !listening(host, port);
      }
      if (free) {
        for (int port = first; port < first + count; port++) {
          HANDED_OUT.add(port);
        }
        return first;
      }
    }
    throw new IllegalStateException("no " + count + " free ports in a row on " + host);
  }

  /** A port nothing listens on at any of {@code hosts} (executors on several addresses). */
  public static int onEvery(String... hosts) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int candidate = on(hosts[0]);
      boolean freeEverywhere = true;
      for (int i = 1; i < hosts.length; i++) {
        freeEverywhere &= !listening(hosts[i], candidate);
      }
      if (freeEverywhere) {
        return candidate;
      }
    }
    throw new IllegalStateException("no port free on every one of " + String.join(", ", hosts));
  }

  /** True when something accepts connections on {@code host:port}. */
  public static boolean listening(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 500);
      // A probe that connected to itself (TCP simultaneous open) found no listener.
      return socket.getLocalPort() != port;
    } catch (IOException e) {
      return false;
    }
  }
}
