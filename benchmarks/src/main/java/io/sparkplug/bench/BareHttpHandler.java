package io.sparkplug.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Serves {@code /echo}, {@code /json} and {@code /score}; everything else is 404. Stateless, so one
 * instance serves every connection. Requests are answered in arrival order on the connection's
 * event loop, which is what makes pipelining safe; flushing once per read batch keeps pipelined
 * replies cheap.
 */
@Sharable
final class BareHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double TAX_FACTOR = 1.2;

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpResponse response;
    if (request.decoderResult().isFailure()) {
      response = text(HttpResponseStatus.BAD_REQUEST, "malformed request");
    } else {
      response =
          switch (path(request.uri())) {
            case "/echo" -> echo(request);
            case "/json" -> priced(request.content());
            case "/score" -> scored(request.content());
            // Behind a balancer, as the connector's servers are: the same health check path.
            case "/-/health" -> text(HttpResponseStatus.OK, "serving");
            default -> text(HttpResponseStatus.NOT_FOUND, "not found");
          };
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !request.decoderResult().isFailure();
    HttpUtil.setKeepAlive(response, keepAlive);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    if (keepAlive) {
      ctx.write(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static String path(String uri) {
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }

  private static FullHttpResponse echo(FullHttpRequest request) {
    // The reply shares the request's buffer; SimpleChannelInboundHandler releases our reference.
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, request.content().retainedDuplicate());
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    return response;
  }

  /** {@code {"name":"ada","amount":12.5}} becomes {@code {"name":"ADA","amount":12.5,...15.0}}. */
  private static FullHttpResponse priced(ByteBuf body) {
    JsonNode order;
    try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate())) {
      order = JSON.readTree(in);
    } catch (IOException e) {
      return text(HttpResponseStatus.BAD_REQUEST, "body is not JSON");
    }
    if (order == null
        || !order.isObject()
        || !order.path("name").isTextual()
        || !order.path("amount").isNumber()) {
      return text(
          HttpResponseStatus.BAD_REQUEST, "expected {\"name\": string, \"amount\": number}");
    }
    double amount = order.get("amount").asDouble();
    ObjectNode priced = JSON.createObjectNode();
    priced.put("name", order.get("name").asText().toUpperCase(Locale.ROOT));
    priced.put("amount", amount);
    priced.put("amountWithTax", amount * TAX_FACTOR);
    return json(priced);
  }

  /**
   * {@code {"features":[a,b,c,d]}} scored by a fixed logistic regression: the same work per request
   * as the Spark ML scenario (parse, a dot product, a sigmoid, a JSON reply), with weights of its
   * own since this server has no Spark to train one.
   */
  private static FullHttpResponse scored(ByteBuf body) {
    JsonNode features;
    try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate())) {
      features = JSON.readTree(in).path("features");
    } catch (IOException | NullPointerException e) {
      return text(HttpResponseStatus.BAD_REQUEST, "body is not JSON");
    }
    if (!features.isArray() || features.size() != MlScenario.WEIGHTS.length) {
      return text(HttpResponseStatus.BAD_REQUEST, "expected {\"features\": [4 numbers]}");
    }
    double margin = MlScenario.INTERCEPT;
    for (int i = 0; i < MlScenario.WEIGHTS.length; i++) {
      margin += MlScenario.WEIGHTS[i] * features.get(i).asDouble();
    }
    double probability = 1 / (1 + Math.exp(-margin));
    ObjectNode score = JSON.createObjectNode();
    score.put("probability", probability);
    score.put("prediction", probability > 0.5 ? 1.0 : 0.0);
    return json(score);
  }

  private static FullHttpResponse json(ObjectNode body) {
    try {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.OK,
              Unpooled.wrappedBuffer(JSON.writeValueAsBytes(body)));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      return response;
    } catch (JsonProcessingException e) {
      return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot encode reply");
    }
  }

  private static FullHttpResponse text(HttpResponseStatus status, String message) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    return response;
  }
}
