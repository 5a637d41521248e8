package io.sparkplug.http.cluster;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.server.NettyResources;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM's internal endpoint for one source: replies forwarded from other JVMs, executor
 * registrations, reads of request ranges, stop signals. Every {@code POST} must carry the source's
 * {@link Secret}; without it the call gets 401 and a log line that names the caller, not the
 * secret. Only the {@code GET} endpoints a source names open (the driver's directory of servers,
 * {@code /-/servers}) are read without it.
 *
 * <p>Handlers may block (a read can wait for requests), so they run on a small pool of their own,
 * never on Netty's I/O threads; a connection reads its next call only after answering the last.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
  private static final int MAX_CALL_BYTES = 512 * 1024 * 1024;
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService HANDLERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "sparkplug-control-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });

  /** One internal call: the request body in, a response out. */
  public interface Endpoint {
    Response handle(byte[] body) throws Exception;
  }

  /** What an endpoint answers. */
  public record Response(int status, String contentType, byte[] body) {
    public static Response ok(byte[] body) {
      return new Response(200, "application/octet-stream", body);
    }

    public static Response json(int status, String json) {
      return new Response(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** A short text; an error status (400 and up) becomes the connector's problem document. */
    public static Response text(int status, String text) {
      if (status >= 400) {
        Reply problem = Reply.error(status, text, false);
        return new Response(status, problem.defaultContentType(), problem.body());
      }
      return new Response(
          status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  private final Secret secret;
  private final Map<String, Endpoint> authenticated;
  private final Map<String, Endpoint> open;
  private Channel listener;

  private ControlServer(
      Secret secret, Map<String, Endpoint> authenticated, Map<String, Endpoint> open) {
    this.secret = secret;
    this.authenticated = Map.copyOf(authenticated);
    this.open = Map.copyOf(open);
  }

  /**
   * Binds {@code host:port} ({@code port} 0 picks a free one).
   *
   * @param portOption the option that set the port, named when it is taken
   */
  public static ControlServer start(
      String host,
      int port,
      Secret secret,
      Map<String, Endpoint> authenticated,
      Map<String, Endpoint> open,
      String portOption) {
    ControlServer server = new ControlServer(secret, authenticated, open);
    ServerBootstrap bootstrap =
        NettyResources.serverBootstrap()
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel
                        .pipeline()
                        .addLast(new ReadTimeoutHandler(300))
                        .addLast(new HttpServerCodec())
                        .addLast(server.new SecretGate())
                        .addLast(new HttpObjectAggregator(MAX_CALL_BYTES))
                        .addLast(server.new CallHandler());
                  }
                });
    try {
      server.listener = bootstrap.bind(host, port).syncUninterruptibly().channel();
    } catch (Exception e) {
      String why =
          e instanceof BindException || e.getCause() instanceof BindException
              ? "the port is already in use"
              : String.valueOf(e.getMessage());
      throw new IllegalArgumentException(
          "sparkplug-http: cannot open the internal endpoint on "
              + host
              + ":"
              + port
              + " (option '"
              + portOption
              + "'): "
              + why,
          e);
    }
    return server;
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** The address other JVMs use to call this endpoint. */
  public JvmAddress address(String advertisedHost) {
    return new JvmAddress(advertisedHost, port(), secret);
  }

  @Override
  public void close() {
    if (listener != null) {
      NettyResources.closeListener(listener);
    }
  }

  /**
   * Checks the secret on the request head, before any body is buffered: a caller without it cannot
   * make this JVM hold a large body. Open reads pass; everything else needs the secret.
   */
  private final class SecretGate extends ChannelInboundHandlerAdapter {
    private boolean refusing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      if (message instanceof HttpRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        boolean openRead = request.method().equals(HttpMethod.GET) && open.containsKey(path);
        refusing =
            !openRead
                && authenticated.containsKey(path)
                && !secret.matches(request.headers().get(Secret.HEADER));
        if (refusing) {
          LOG.warn(
              "sparkplug-http: refused an unauthenticated internal call to {} from {}",
              path,
              ctx.channel().remoteAddress());
          ReferenceCountUtil.release(message);
          FullHttpResponse http =
              new DefaultFullHttpResponse(
                  HttpVersion.HTTP_1_1,
                  HttpResponseStatus.UNAUTHORIZED,
                  Unpooled.wrappedBuffer(Reply.error(401, "Unauthorized", true).body()));
          http.headers()
              .set(HttpHeaderNames.CONTENT_TYPE, Reply.PROBLEM_JSON)
              .setInt(HttpHeaderNames.CONTENT_LENGTH, http.content().readableBytes())
              .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
          ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
          return;
        }
      } else if (refusing) {
        ReferenceCountUtil.release(message);
        return;
      }
      ctx.fireChannelRead(message);
    }
  }

  private final class CallHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!request.decoderResult().isSuccess()) {
        respond(ctx, false, Response.text(400, "Bad Request"));
        return;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String uri = request.uri();
      int query = uri.indexOf('?');
      String path = query < 0 ? uri : uri.substring(0, query);
      Endpoint endpoint;
      if (request.method().equals(HttpMethod.GET) && open.containsKey(path)) {
        endpoint = open.get(path);
      } else if (request.method().equals(HttpMethod.POST) && authenticated.containsKey(path)) {
        if (!secret.matches(request.headers().get(Secret.HEADER))) {
          LOG.warn(
              "sparkplug-http: refused an unauthenticated internal call to {} from {}",
              path,
              ctx.channel().remoteAddress());
          respond(ctx, false, Response.text(401, "Unauthorized"));
          return;
        }
        endpoint = authenticated.get(path);
      } else if (open.containsKey(path) || authenticated.containsKey(path)) {
        respond(ctx, false, Response.text(405, "Method Not Allowed"));
        return;
      } else {
        respond(ctx, keepAlive, Response.text(404, "Not Found"));
        return;
      }
      byte[] body = ByteBufUtil.getBytes(request.content());
      ctx.channel().config().setAutoRead(false);
      HANDLERS.execute(
          () -> {
            Response response;
            try {
              response = endpoint.handle(body);
            } catch (Exception | Error e) {
              LOG.warn("sparkplug-http: internal call to {} failed", path, e);
              response = Response.text(500, "Internal Server Error");
            }
            respond(ctx, keepAlive, response);
            ctx.channel().config().setAutoRead(true);
          });
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, Response response) {
      FullHttpResponse http =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(response.status()),
              Unpooled.wrappedBuffer(response.body()));
      http.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
          .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
      if (!keepAlive) {
        http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(http);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
