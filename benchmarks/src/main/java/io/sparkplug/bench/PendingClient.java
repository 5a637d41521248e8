package io.sparkplug.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Holds many requests open at once: opens {@code --connections} connections, pipelines {@code
 * --per-connection} requests on each, keeps them open for {@code --hold-seconds} (or until stdin
 * closes), then closes them all. Used to measure what pending requests cost the server.
 */
public final class PendingClient {
  private static final Set<String> KNOWN =
      Set.of("--port", "--path", "--connections", "--per-connection", "--hold-seconds");

  private PendingClient() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Arguments a;
    try {
      a = Arguments.parse(args, KNOWN);
    } catch (InvalidArgumentException e) {
      System.err.println("invalid argument " + e.getMessage());
      System.exit(2);
      return;
    }
    int port = a.integer("--port", 8080, 1, 65_535);
    String path = a.string("--path").orElse("/hold");
    int connections = a.integer("--connections", 1000, 1, 10_000);
    int perConnection = a.integer("--per-connection", 100, 1, 10_000);
    int holdSeconds = a.integer("--hold-seconds", 60, 1, 3600);

    byte[] request =
        ("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] pipeline = new byte[request.length * perConnection];
    for (int i = 0; i < perConnection; i++) {
      System.arraycopy(request, 0, pipeline, i * request.length, request.length);
    }
    List<Socket> sockets = new ArrayList<>(connections);
    try {
      for (int c = 0; c < connections; c++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        sockets.add(socket);
        OutputStream out = socket.getOutputStream();
        out.write(pipeline);
        out.flush();
      }
      System.out.println("SENT " + (long) connections * perConnection);
      System.out.flush();
      long deadline = System.nanoTime() + holdSeconds * 1_000_000_000L;
      while (System.nanoTime() < deadline && System.in.available() >= 0) {
        if (System.in.available() > 0 && System.in.read() == 'q') {
          break;
        }
        Thread.sleep(100);
      }
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
      System.out.println("CLOSED " + sockets.size());
    }
  }
}
