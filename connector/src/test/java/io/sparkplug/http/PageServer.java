package io.sparkplug.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small JDK web server on its own port (so its pages are another origin than the service): fixed
 * HTML pages, and Swagger UI's assets under {@code /swagger/} from the test-scope webjar.
 */
final class PageServer implements AutoCloseable {
  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private final Map<String, String> pages = new ConcurrentHashMap<>();
  private final int port;

  PageServer() {
    port = TestSpark.freePort();
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** The origin of this server's pages, as a browser sends it in {@code Origin}. */
  String origin() {
    return "http://127.0.0.1:" + port;
  }

  String url(String path) {
    return origin() + path;
  }

  void page(String path, String html) {
    pages.put(path, html);
  }

  /** A Swagger UI page showing the OpenAPI document at {@code specUrl}. */
  void swaggerUi(String path, String specUrl) {
    page(
        path,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Swagger UI</title>"
            + "<link rel=\"stylesheet\" href=\"/swagger/swagger-ui.css\"></head><body>"
            + "<div id=\"swagger-ui\"></div><script src=\"/swagger/swagger-ui-bundle.js\"></script>"
            + "<script>window.ui = SwaggerUIBundle({url: '"
            + specUrl
            + "', dom_id: '#swagger-ui', deepLinking: true, docExpansion: 'list',"
            + " defaultModelsExpandDepth: 0, validatorUrl: null});</script></body></html>");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      byte[] body;
      String type;
      if (pages.containsKey(path)) {
        body = pages.get(path).getBytes(StandardCharsets.UTF_8);
        type = "text/html; charset=utf-8";
      } else if (path.startsWith("/swagger/") && !path.contains("..")) {
        String name = path.substring("/swagger/".length());
        try (InputStream in = asset(name)) {
          if (in == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
          }
          body = in.readAllBytes();
        }
        type = name.endsWith(".css") ? "text/css" : "application/javascript";
      } else {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  private static InputStream asset(String name) throws IOException {
    ClassLoader loader = PageServer.class.getClassLoader();
    Properties pom = new Properties();
    try (InputStream in =
        loader.getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("org.webjars:swagger-ui is not on the test classpath");
      }
      pom.load(in);
    }
    return loader.getResourceAsStream(WEBJAR + pom.getProperty("version") + "/" + name);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
