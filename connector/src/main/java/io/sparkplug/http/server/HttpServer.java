package io.sparkplug.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sparkplug.http.config.PathTemplate;
import java.net.BindException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One listening socket and the services (paths) it services requests to. */
final class HttpServer {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  private static final int MAX_CHUNK_SIZE = 64 * 1024;

  private final ServerSettings settings;
  private final ChannelGroup connections =
      new DefaultChannelGroup("sparkplug-connections", GlobalEventExecutor.INSTANCE);
  private final ServerRejections rejections = new ServerRejections();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final SslContext tls;
  private volatile HttpService[] services = new HttpService[0];

  /** Whether a service's path has a template parameter: then paths are matched by segments. */
  private volatile boolean templated;

  private Channel listener;

  private HttpServer(ServerSettings settings) {
    this.settings = settings;
    this.tls = settings.tls() ? TlsContexts.server(settings) : null;
  }

  /** Binds {@code settings.port()} with {@code first} already served there. */
  static HttpServer bind(ServerSettings settings, HttpService first) {
    HttpServer server = new HttpServer(settings);
    server.addService(first);
    ServerBootstrap bootstrap =
        NettyResources.serverBootstrap()
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    server.initConnection(channel);
                  }
                });
    try {
      server.listener =
          bootstrap.bind(settings.host(), settings.port()).syncUninterruptibly().channel();
    } catch (Exception e) {
      // EADDRINUSE and EADDRNOTAVAIL are both a BindException: only the first is a taken port; an
      // address of no local interface is the host's fault and is reported as such below.
      if ((e instanceof BindException || e.getCause() instanceof BindException)
          && String.valueOf(
                  e.getMessage() + " " + (e.getCause() == null ? "" : e.getCause().getMessage()))
              .contains("already in use")) {
        throw new IllegalArgumentException(
            "sparkplug-http: cannot listen on "
                + settings.host()
                + ":"
                + settings.port()
                + " (option 'port'): the port is already in use",
            e);
      }
      throw new IllegalArgumentException(
          "sparkplug-http: cannot listen on "
              + settings.host()
              + ":"
              + settings.port()
              + " (options 'host' and 'port'): "
              + e.getMessage(),
          e);
    }
    LOG.info("sparkplug-http listening on {}:{}", settings.host(), settings.port());
    return server;
  }

  /** The pipeline of one client connection, in the order bytes flow through it. */
  void initConnection(Channel channel) {
    if (openConnections.incrementAndGet() > settings.maxConnections()) {
      openConnections.decrementAndGet();
      rejections.tooManyConnections.increment();
      channel.close();
      return;
    }
    channel.closeFuture().addListener(f -> openConnections.decrementAndGet());
    connections.add(channel);
    HttpDecoderConfig decoder =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxInitialLineLength())
            .setMaxHeaderSize(settings.maxHeaderBytes())
            .setMaxChunkSize(MAX_CHUNK_SIZE)
            // Only CRLF ends a line: Netty's default for bare LF differs between the 4.2 releases
            // that Spark 4.1 and 4.2 ship, and a lone LF is a request-smuggling vector.
            .setStrictLineParsing(true)
            // RFC 9110 5.5: NUL, CR and other controls in a field value are refused (400), not
            // passed on to the query; names are validated by default.
            .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValueValidation(true))
            .setTrailersFactory(
                DefaultHttpHeadersFactory.trailersFactory().withValueValidation(true));
    ChannelPipeline pipeline = channel.pipeline();
    if (tls != null) {
      pipeline.addLast("tls", tls.newHandler(channel.alloc()));
    }
    pipeline.addLast("slow-request-guard", new SlowRequestGuard(settings.readTimeoutMs()));
    pipeline.addLast(
        "http-codec",
        new CombinedChannelDuplexHandler<>(
            new StrictRequestDecoder(decoder), new HttpResponseEncoder()));
    pipeline.addLast(
        "idle", new IdleStateHandler(settings.idleTimeoutMs(), 0, 0, TimeUnit.MILLISECONDS));
    pipeline.addLast("exchange", new ConnectionHandler(this));
  }

  ServerSettings settings() {
    return settings;
  }

  int port() {
    return settings.port();
  }

  ServerRejections rejections() {
    return rejections;
  }

  /** The service whose path is the longest whole-segment prefix of {@code path}, or null. */
  HttpService serviceFor(String path) {
    HttpService[] all = services;
    if (templated) {
      return templateServiceFor(all, PathTemplate.segments(path));
    }
    for (HttpService service : all) {
      String prefix = service.path();
      if (prefix.equals("/")
          || path.equals(prefix)
          || (path.startsWith(prefix) && path.charAt(prefix.length()) == '/')) {
        return service;
      }
    }
    return null;
  }

  /**
   * With a path template among the services: the one matching most segments, then the one with a
   * literal where the other has a parameter ({@link PathTemplate#beats}).
   */
  private static HttpService templateServiceFor(HttpService[] all, String[] segments) {
    HttpService best = null;
    PathTemplate bestTemplate = null;
    for (HttpService service : all) {
      PathTemplate template = service.options().pathTemplate();
      if (template.matches(segments) && (best == null || template.beats(bestTemplate))) {
        best = service;
        bestTemplate = template;
      }
    }
    return best;
  }

  /**
   * Adds a service, unless one with the same path, or a path of the same shape that no request
   * could tell apart ({@code /users/{id}} and {@code /users/{name}}), is already there.
   *
   * @return null when added, else the path already served that it clashes with
   */
  synchronized String addService(HttpService service) {
    PathTemplate template = service.options().pathTemplate();
    for (HttpService existing : services) {
      if (existing.path().equals(service.path())
          || existing.options().pathTemplate().sameShape(template)) {
        return existing.path();
      }
    }
    List<HttpService> updated = new ArrayList<>(List.of(services));
    updated.add(service);
    updated.sort(Comparator.comparingInt((HttpService s) -> s.path().length()).reversed());
    services = updated.toArray(new HttpService[0]);
    templated = updated.stream().anyMatch(s -> !s.options().pathTemplate().literal());
    return null;
  }

  /** Removes a service; true when none is left. */
  synchronized boolean removeService(HttpService service) {
    List<HttpService> updated = new ArrayList<>(List.of(services));
    updated.remove(service);
    services = updated.toArray(new HttpService[0]);
    templated = updated.stream().anyMatch(s -> !s.options().pathTemplate().literal());
    return updated.isEmpty();
  }

  HttpService[] services() {
    return services;
  }

  /** True unless some service of this server requires a token and the request carries none. */
  boolean metricsAuthorized(String authorization) {
    boolean required = false;
    for (HttpService service : services) {
      String token = service.options().authToken();
      if (token != null) {
        required = true;
        if (BearerTokens.matches(authorization, token)) {
          return true;
        }
      }
    }
    return !required;
  }

  synchronized boolean hasServiceAt(String path) {
    for (HttpService service : services) {
      if (service.path().equals(path)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Stops accepting connections at once, then lets each open connection finish writing what it owes
   * before it closes.
   */
  void close() {
    NettyResources.closeListener(listener);
    for (Channel channel : connections) {
      ConnectionHandler handler = channel.pipeline().get(ConnectionHandler.class);
      if (handler != null) {
        channel.eventLoop().execute(handler::closeWhenFlushed);
      } else {
        channel.close();
      }
    }
    LOG.info("sparkplug-http stopped listening on {}:{}", settings.host(), settings.port());
  }
}
