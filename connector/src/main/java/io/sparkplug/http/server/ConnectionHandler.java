package io.sparkplug.http.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.sparkplug.http.oip.InferRequests;
import io.sparkplug.http.oip.OipDocuments;
import io.sparkplug.http.reply.Reply;
import io.sparkplug.http.rows.JsonRequests;
import io.sparkplug.http.server.RequestChecks.Rejection;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, the ordered pipeline: runs {@link RequestChecks} on each decoded request,
 * gathers its body, admits it to its service, and writes the responses ({@link Responses}) strictly
 * in request order (pipelining), whatever order the replies come back in. All state is touched on
 * the connection's event loop only; replies from Spark threads reach it through {@link
 * #replyReady()}.
 *
 * <p>Over 300 lines because its fields are one connection's state machine: the request being read,
 * the replies owed and the requests parked all turn on {@code closing}, and splitting them across
 * objects would only spread one event loop's state over several.
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

  /** The origin the current request's response names ({@code corsOrigins}), or null. */
  private String corsOrigin;

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
    Rejection rejection = RequestChecks.head(request);
    if (rejection != null) {
      reject(rejection);
      return;
    }
    String path = RequestChecks.path(request.uri());
    if (AdminEndpoints.owns(path)) {
      answerAdmin(request, path);
      return;
    }
    HttpService service = server.serviceFor(path);
    boolean oip = service != null && service.options().oip();
    corsOrigin = service == null ? null : Cors.allowedOrigin(request, service.options());
    if (service != null && Cors.answersOptions(request, service.options())) {
      // Before the token check: a browser's preflight carries no credentials.
      String allow = service.options().allowHeader();
      answerLocally(request, Cors.options(request, allow, corsOrigin), null);
      return;
    }
    if (OipRoutes.owns(server, path) && (service == null || oip || OipRoutes.serverPath(path))) {
      HttpService model = oip ? service : null;
      if (model != null
          && model.options().authToken() != null
          && !BearerTokens.matches(
              request.headers().get(HttpHeaderNames.AUTHORIZATION), model.options().authToken())) {
        reject(RequestChecks.UNAUTHORIZED);
        return;
      }
      OipRoutes.Answer answer = OipRoutes.route(server, model, request.method().name(), path);
      if (answer != OipRoutes.INFER) {
        if (answer.rejected() != null) {
          server.rejections().count(answer.rejected());
        }
        answerLocally(request, answer.reply(), corsOrigin);
        return;
      }
    }
    rejection = RequestChecks.forService(request, service == null ? null : service.options());
    if (rejection != null) {
      reject(oip ? RequestChecks.asOip(rejection) : rejection);
      return;
    }
    if (owed.isEmpty() && HttpUtil.is100ContinueExpected(request)) {
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    head = request;
    target = service;
    body = ctx.alloc().compositeBuffer(64);
    receivedAtMicros = currentTimeMicros();
  }

  private void onContent(HttpContent content) {
    if (content.decoderResult().isFailure()) {
      reject(RequestChecks.malformedBody(content.decoderResult().cause()));
      return;
    }
    if ((long) body.readableBytes() + content.content().readableBytes()
        > target.options().maxBodyBytes()) {
      reject(
          target.options().oip()
              ? RequestChecks.asOip(RequestChecks.BODY_TOO_LARGE)
              : RequestChecks.BODY_TOO_LARGE);
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
    String origin = corsOrigin;
    byte[] bytes = ByteBufUtil.getBytes(body);
    releaseRequest();

    boolean keepAlive = HttpUtil.isKeepAlive(request);
    byte[] typed = null;
    int typedFields = 0;
    InferRequests.Parsed inference = null;
    JsonRequests typedBodies = service.typedBodies();
    InferRequests inferRequests = service.inferRequests();
    if (inferRequests != null) {
      try {
        inference = inferRequests.parse(bytes);
      } catch (InferRequests.Invalid invalid) {
        refuse(request, keepAlive, origin, OipDocuments.error(400, invalid.getMessage()));
        return;
      }
      typed = inference.row();
      typedFields = inferRequests.fieldCount();
    } else if (typedBodies != null) {
      try {
        typed = typedBodies.toRow(bytes);
      } catch (JsonRequests.Invalid invalid) {
        refuseBody(request, keepAlive, origin, invalid);
        return;
      }
      typedFields = typedBodies.fieldCount();
    }
    long sequence = service.nextSequence();
    Exchange exchange =
        new Exchange(
            sequence,
            service,
            this,
            keepAlive,
            request.protocolVersion(),
            request.method().equals(HttpMethod.HEAD));
    exchange.corsOrigin = origin;
    if (inference != null) {
      exchange.oipClientId = inference.clientId();
      exchange.oipOutputs = inference.outputs();
    }
    owed.add(exchange);
    if (!keepAlive) {
      closing = true;
    }
    // A HEAD admitted because GET is allowed goes through the query as the GET it mirrors.
    String method = request.method().name();
    if (method.equals("HEAD") && !service.options().methods().contains("HEAD")) {
      method = "GET";
    }
    service.admit(
        exchange,
        RequestRecord.of(
            service.idFor(sequence),
            service.options().pathTemplate(),
            request,
            method,
            bytes,
            receivedAtMicros,
            typed,
            typedFields));
  }

  /**
   * A whole body that does not match the service's {@code requestSchema}: 400 with the problem
   * document, in order with the connection's other replies. The body was read in full, so the
   * connection stays open.
   */
  private void refuseBody(
      HttpRequest request, boolean keepAlive, String origin, JsonRequests.Invalid invalid) {
    refuse(request, keepAlive, origin, Reply.problem(400, invalid.problemJson(), false));
  }

  /** A whole body refused with {@code reply} (400), counted as an invalid body; stays open. */
  private void refuse(HttpRequest request, boolean keepAlive, String origin, Reply reply) {
    server.rejections().count(RequestChecks.Reason.INVALID_BODY);
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
    exchange.corsOrigin = origin;
    exchange.claim();
    owed.add(exchange);
    exchange.respond(reply);
  }

  /** Health, metrics and OpenAPI: answered here, in order with the connection's other replies. */
  private void answerAdmin(HttpRequest request, String path) {
    corsOrigin = Cors.allowedOrigin(request, server.services());
    if (request.method().equals(HttpMethod.OPTIONS) && AdminEndpoints.exists(path)) {
      answerLocally(request, Cors.options(request, AdminEndpoints.ADMIN_ALLOW, corsOrigin), null);
      return;
    }
    if (AdminEndpoints.guarded(path)
        && !server.metricsAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      reject(RequestChecks.UNAUTHORIZED);
      return;
    }
    Reply reply =
        AdminEndpoints.answer(
            server, request.method().name(), path, request.headers().get(HttpHeaderNames.HOST));
    if (reply == null) {
      reject(RequestChecks.NOT_FOUND);
      return;
    }
    answerLocally(request, reply, corsOrigin);
  }

  /** A reply the server makes itself, queued in order with the connection's other replies. */
  private void answerLocally(HttpRequest request, Reply reply, String origin) {
    guard.requestComplete();
    corsOrigin = null;
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
    exchange.corsOrigin = origin;
    exchange.claim();
    owed.add(exchange);
    exchange.respond(reply);
  }

  /** Queues an error reply after the responses already owed, then closes the connection. */
  private void reject(Rejection rejection) {
    server.rejections().count(rejection.reason());
    Reply reply = rejection.reply();
    if (LOG.isDebugEnabled()) {
      LOG.debug("refused a request from {} with {}", ctx.channel().remoteAddress(), reply.status());
    }
    guard.requestComplete();
    // An allowed origin may read the error too (a browser hides it otherwise).
    String origin = corsOrigin;
    releaseRequest();
    closing = true;
    Exchange exchange = new Exchange(-1, null, this, false, HttpVersion.HTTP_1_1, false);
    exchange.corsOrigin = origin;
    exchange.claim();
    owed.add(exchange);
    exchange.respond(reply);
  }

  private void releaseRequest() {
    head = null;
    target = null;
    corsOrigin = null;
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
        ctx.writeAndFlush(Responses.of(reply, next, true)).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.write(Responses.of(reply, next, false));
    }
    if (wrote) {
      ctx.flush();
      resumeParked();
    }
    if (closing && owed.isEmpty() && head == null && ctx.channel().isActive()) {
      ctx.close();
    }
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
        reject(RequestChecks.READ_TIMEOUT);
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
