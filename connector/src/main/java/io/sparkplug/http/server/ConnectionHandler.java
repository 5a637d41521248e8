package io.sparkplug.http.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.sparkplug.http.reply.Reply;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: checks each decoded request, gathers its body, admits it to its service,
 * and writes the responses strictly in request order (pipelining), whatever order the replies come
 * back in. All state is touched on the connection's event loop only; replies from Spark threads
 * reach it through {@link #replyReady()}.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

  private final HttpServer server;
  private final ArrayDeque<Exchange> owed = new ArrayDeque<>();

  /** Decoded messages held back while {@code maxPipelinedRequests} replies are owed. */
  private final ArrayDeque<Object> parked = new ArrayDeque<>();

  private final AtomicBoolean flushQueued = new AtomicBoolean();
  private final Runnable flushTask = this::flushOwed;
  private ChannelHandlerContext ctx;
  private SlowRequestGuard guard;

  private HttpRequest head;
  private HttpService target;
  private CompositeByteBuf body;
  private long receivedAtMicros;

  /** No further request is read; the connection closes once the owed responses are written. */
  private boolean closing;

  ConnectionHandler(HttpServer server) {
    this.server = server;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.guard = ctx.pipeline().get(SlowRequestGuard.class);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!closing
        && (!parked.isEmpty()
            || (msg instanceof HttpRequest
                && owed.size() >= server.settings().maxPipelinedRequests()))) {
      // Enough requests of this connection await replies: hold this one, and read no more.
      parked.add(msg);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    handle(msg);
  }

  private void handle(Object msg) {
    try {
      if (closing) {
        return;
      }
      if (msg instanceof HttpRequest request) {
        onHead(request);
      }
      if (msg instanceof HttpContent content && head != null) {
        onContent(content);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onHead(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      rejectMalformed(request.decoderResult().cause());
      return;
    }
    if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
        && !request.headers().contains(HttpHeaderNames.HOST)) {
      reject(400, "Bad Request: missing Host header", server.rejections().badRequest);
      return;
    }
    String uri = request.uri();
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    if (!path.startsWith("/")) {
      reject(400, "Bad Request: the request target must be a path", server.rejections().badRequest);
      return;
    }
    HttpHeaders headers = request.headers();
    if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && (headers.contains(HttpHeaderNames.CONTENT_LENGTH)
            || !headers
                .get(HttpHeaderNames.TRANSFER_ENCODING)
                .trim()
                .equalsIgnoreCase("chunked"))) {
      // Two framings for one body is how requests get smuggled past proxies: refuse it.
      reject(
          400,
          "Bad Request: Transfer-Encoding must be chunked alone, without Content-Length",
          server.rejections().badRequest);
      return;
    }
    if (AdminEndpoints.owns(path)) {
      answerAdmin(request, path);
      return;
    }
    HttpService service = server.serviceFor(path);
    if (service == null) {
      reject(404, "Not Found", server.rejections().notFound);
      return;
    }
    String token = service.options().authToken();
    if (token != null
        && !BearerTokens.matches(request.headers().get(HttpHeaderNames.AUTHORIZATION), token)) {
      rejectUnauthorized();
      return;
    }
    if (!service.options().methods().contains(request.method().name())) {
      rejectWith(
          Reply.error(405, "Method Not Allowed", true)
              .withHeader("Allow", service.options().allowHeader()),
          server.rejections().methodNotAllowed);
      return;
    }
    if (HttpUtil.getContentLength(request, -1L) > service.options().maxBodyBytes()) {
      reject(413, "Content Too Large", server.rejections().bodyTooLarge);
      return;
    }
    if (request.headers().contains(HttpHeaderNames.EXPECT)) {
      if (!HttpUtil.is100ContinueExpected(request)) {
        reject(417, "Expectation Failed", server.rejections().badRequest);
        return;
      }
      if (owed.isEmpty()) {
        ctx.writeAndFlush(
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
      }
    }
    head = request;
    target = service;
    body = ctx.alloc().compositeBuffer(64);
    receivedAtMicros = currentTimeMicros();
  }

  private void onContent(HttpContent content) {
    if (content.decoderResult().isFailure()) {
      rejectMalformed(content.decoderResult().cause());
      return;
    }
    if ((long) body.readableBytes() + content.content().readableBytes()
        > target.options().maxBodyBytes()) {
      reject(413, "Content Too Large", server.rejections().bodyTooLarge);
      return;
    }
    if (content.content().isReadable()) {
      body.addComponent(true, content.content().retain());
    }
    if (content instanceof LastHttpContent) {
      admitRequest();
    }
  }

  private void admitRequest() {
    guard.requestComplete();
    HttpRequest request = head;
    HttpService service = target;
    byte[] bytes = ByteBufUtil.getBytes(body);
    releaseRequest();

    boolean keepAlive = HttpUtil.isKeepAlive(request);
    long sequence = service.nextSequence();
    Exchange exchange =
        new Exchange(
            sequence,
            service,
            this,
            keepAlive,
            request.protocolVersion(),
            request.method().equals(HttpMethod.HEAD));
    owed.add(exchange);
    if (!keepAlive) {
      closing = true;
    }
    service.admit(exchange, toRecord(service.idFor(sequence), request, bytes));
  }

  /** Health and metrics: answered here, in order with the connection's other replies. */
  private void answerAdmin(HttpRequest request, String path) {
    if (path.equals(AdminEndpoints.METRICS)
        && !server.metricsAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      rejectUnauthorized();
      return;
    }
    Reply reply = AdminEndpoints.answer(server, request.method().name(), path);
    if (reply == null) {
      reject(404, "Not Found", server.rejections().notFound);
      return;
    }
    guard.requestComplete();
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !reply.closeConnection();
    if (!keepAlive) {
      closing = true;
    }
    Exchange exchange =
        new Exchange(
            -1,
            null,
            this,
            keepAlive,
            request.protocolVersion(),
            request.method().equals(HttpMethod.HEAD));
    exchange.claim();
    owed.add(exchange);
    exchange.respond(reply);
  }

  private RequestRecord toRecord(String id, HttpRequest request, byte[] bytes) {
    String uri = request.uri();
    int query = uri.indexOf('?');
    HttpHeaders headers = request.headers();
    Map<String, String> joined = new LinkedHashMap<>(headers.size() * 2);
    for (Map.Entry<String, String> header : headers) {
      joined.merge(
          header.getKey().toLowerCase(Locale.ROOT), header.getValue(), ConnectionHandler::join);
    }
    return new RequestRecord(
        id,
        request.method().name(),
        query < 0 ? uri : uri.substring(0, query),
        query < 0 ? "" : uri.substring(query + 1),
        joined.keySet().toArray(new String[0]),
        joined.values().toArray(new String[0]),
        bytes,
        receivedAtMicros);
  }

  private static String join(String first, String second) {
    return first + ", " + second;
  }

  private void rejectMalformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      reject(414, "URI Too Long", server.rejections().uriTooLong);
    } else if (cause instanceof TooLongHttpHeaderException) {
      reject(431, "Request Header Fields Too Large", server.rejections().headersTooLarge);
    } else {
      reject(400, "Bad Request", server.rejections().badRequest);
    }
  }

  private void rejectUnauthorized() {
    rejectWith(
        Reply.error(401, "Unauthorized", true)
            .withHeader("WWW-Authenticate", "Bearer realm=\"sparkplug-http\""),
        server.rejections().unauthorized);
  }

  private void reject(int status, String message, LongAdder counter) {
    rejectWith(Reply.error(status, message, true), counter);
  }

  /** Queues an error reply after the responses already owed, then closes the connection. */
  private void rejectWith(Reply reply, LongAdder counter) {
    counter.increment();
    if (LOG.isDebugEnabled()) {
      LOG.debug("refused a request from {} with {}", ctx.channel().remoteAddress(), reply.status());
    }
    guard.requestComplete();
    releaseRequest();
    closing = true;
    Exchange exchange = new Exchange(-1, null, this, false, HttpVersion.HTTP_1_1, false);
    exchange.claim();
    owed.add(exchange);
    exchange.respond(reply);
  }

  private void releaseRequest() {
    head = null;
    target = null;
    if (body != null) {
      body.release();
      body = null;
    }
  }

  /** A reply was set on one of this connection's exchanges, from any thread. */
  void replyReady() {
    if (ctx.executor().inEventLoop()) {
      flushOwed();
    } else if (flushQueued.compareAndSet(false, true)) {
      ctx.executor().execute(flushTask);
    }
  }

  private void flushOwed() {
    flushQueued.set(false);
    boolean wrote = false;
    Exchange next;
    while ((next = owed.peek()) != null && next.reply() != null) {
      owed.poll();
      Reply reply = next.reply();
      boolean close = reply.closeConnection() || !next.keepAlive;
      wrote = true;
      if (close) {
        closing = true;
        abandonOwed();
        ctx.writeAndFlush(toResponse(reply, next, true)).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.write(toResponse(reply, next, false));
    }
    if (wrote) {
      ctx.flush();
      resumeParked();
    }
    if (closing && owed.isEmpty() && head == null && ctx.channel().isActive()) {
      ctx.close();
    }
  }

  private static FullHttpResponse toResponse(Reply reply, Exchange exchange, boolean close) {
    FullHttpResponse response;
    try {
      response = buildResponse(reply, exchange.version);
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "sparkplug-http: reply for request {} is not valid HTTP ({})",
          exchange.sequence,
          e.getMessage());
      response = buildResponse(Reply.error(500, "Internal Server Error", close), exchange.version);
    }
    HttpHeaders headers = response.headers();
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    if (exchange.head) {
      response.content().clear();
    }
    if (close) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (exchange.version.equals(HttpVersion.HTTP_1_0)) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return response;
  }

  private static FullHttpResponse buildResponse(Reply reply, HttpVersion version) {
    int status = reply.status();
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status " + status + " is not a final HTTP status");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(reply.body()));
    HttpHeaders headers = response.headers();
    String[] names = reply.headerNames();
    String[] values = reply.headerValues();
    for (int i = 0; i < names.length; i++) {
      if (names[i] != null && values[i] != null) {
        headers.add(names[i], values[i]);
      }
    }
    if (!headers.contains(HttpHeaderNames.CONTENT_TYPE) && reply.defaultContentType() != null) {
      headers.set(HttpHeaderNames.CONTENT_TYPE, reply.defaultContentType());
    }
    return response;
  }

  /** Replays held-back messages while the pipelining limit allows, then reads again. */
  private void resumeParked() {
    Object next;
    while (!closing && (next = parked.peek()) != null) {
      if (next instanceof HttpRequest && owed.size() >= server.settings().maxPipelinedRequests()) {
        return;
      }
      parked.poll();
      handle(next);
    }
    if (parked.isEmpty() && !closing && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void releaseParked() {
    Object msg;
    while ((msg = parked.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  /** The connection is going away: requests still owed a reply will never get it. */
  private void abandonOwed() {
    for (Exchange exchange : owed) {
      if (exchange.service != null) {
        exchange.service.abandon(exchange);
      }
    }
    owed.clear();
  }

  /** The server is shutting down: finish what is owed, then close. Runs on the event loop. */
  void closeWhenFlushed() {
    closing = true;
    releaseRequest();
    flushOwed();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      if (owed.isEmpty()) {
        ctx.close();
      }
    } else if (event == SlowRequestGuard.READ_TIMED_OUT) {
      // Requests held back by maxPipelinedRequests were read in full: the wait is ours.
      if (!closing && parked.isEmpty()) {
        reject(408, "Request Timeout", server.rejections().readTimeout);
      }
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    releaseParked();
    releaseRequest();
    abandonOwed();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("sparkplug-http: closing connection {} after {}", ctx.channel(), cause.toString());
    ctx.close();
  }

  private static long currentTimeMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
