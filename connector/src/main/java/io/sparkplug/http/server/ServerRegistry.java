package io.sparkplug.http.server;

import io.sparkplug.http.config.ServiceOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * The servers of this JVM, one per port. Services on the same port share its server and must agree
 * on the socket-level settings; the server closes when its last service leaves.
 */
final class ServerRegistry {
  private static final Map<Integer, HttpServer> SERVERS = new HashMap<>();

  private ServerRegistry() {}

  static synchronized HttpServer register(ServerSettings settings, HttpService service) {
    HttpServer server = SERVERS.get(settings.port());
    if (server == null) {
      // The service is on the server before the port accepts: no request finds the port open and
      // the path missing (a 404 in the instant between the two).
      server = HttpServer.bind(settings, service);
      SERVERS.put(settings.port(), server);
      return server;
    } else {
      String differs = server.settings().firstDifference(settings);
      if (differs != null) {
        throw new IllegalArgumentException(
            "sparkplug-http: option '"
                + differs
                + "' differs from the service already listening on port "
                + settings.port()
                + "; services sharing a port must use the same value");
      }
    }
    String clash = server.addService(service);
    if (clash != null) {
      throw new IllegalArgumentException(
          "sparkplug-http: path '"
              + service.path()
              + (clash.equals(service.path())
                  ? "' is already served on port "
                  : "' overlaps ambiguously with path '" + clash + "', already served on port ")
              + settings.port()
              + " (options '"
              + ServiceOptions.PORT_CONFIG
              + "' and '"
              + ServiceOptions.PATH_CONFIG
              + "')");
    }
    return server;
  }

  static synchronized void unregister(HttpServer server, HttpService service) {
    HttpService[] services = server.services();
    if (services.length == 1 && services[0] == service && SERVERS.get(server.port()) == server) {
      // The last service stays on its closing server: a request read on a connection that is
      // still open gets the stopped service's 503, not a 404 for a path served a moment ago.
      SERVERS.remove(server.port());
      server.close();
      return;
    }
    server.removeService(service);
  }

  /** True when some service in this JVM serves {@code path} on {@code port}. */
  static synchronized boolean serves(int port, String path) {
    HttpServer server = SERVERS.get(port);
    return server != null && (path == null || server.hasServiceAt(path));
  }

  /** The services on {@code port} in this JVM; empty when none listens there. */
  static synchronized HttpService[] services(int port) {
    HttpServer server = SERVERS.get(port);
    return server == null ? new HttpService[0] : server.services();
  }

  static synchronized boolean anyService() {
    return !SERVERS.isEmpty();
  }
}
