package io.sparkplug.http.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sparkplug.http.config.ServiceOptions;
import java.io.File;

/** Builds a server's TLS context from PEM files, failing with a message that names the option. */
final class TlsContexts {
  private TlsContexts() {}

  static SslContext server(ServerSettings settings) {
    SslContextBuilder builder;
    try {
      builder =
          SslContextBuilder.forServer(
              new File(settings.tlsCertFile()),
              new File(settings.tlsKeyFile()),
              settings.tlsKeyPassword());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "sparkplug-http: cannot read the certificate or key of options '"
              + ServiceOptions.TLS_CERT_FILE_CONFIG
              + "' and '"
              + ServiceOptions.TLS_KEY_FILE_CONFIG
              + "' (PEM, key in PKCS#8): "
              + e.getMessage());
    }
    if (settings.tlsClientCaFile() != null) {
      builder.trustManager(new File(settings.tlsClientCaFile())).clientAuth(ClientAuth.REQUIRE);
    }
    try {
      return builder.sslProvider(SslProvider.JDK).protocols("TLSv1.3", "TLSv1.2").build();
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "sparkplug-http: cannot use the TLS files of options '"
              + ServiceOptions.TLS_CERT_FILE_CONFIG
              + "', '"
              + ServiceOptions.TLS_KEY_FILE_CONFIG
              + "' and '"
              + ServiceOptions.TLS_CLIENT_CA_FILE_CONFIG
              + "': "
              + e.getMessage());
    }
  }
}
