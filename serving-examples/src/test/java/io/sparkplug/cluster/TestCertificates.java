package io.sparkplug.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test certificate authority and one server certificate it signed, made with the JDK's {@code
 * keytool} (as the connector's SecurityTest makes its self-signed one) and written as the PEM files
 * the {@code tls*} options read: {@link #certFile()} (the server certificate, then the CA's),
 * {@link #keyFile()} (PKCS#8) and {@link #caFile()}. The server certificate names the given IP
 * addresses as subject alternative names, so a client that checks host names accepts it on each of
 * them.
 */
record TestCertificates(Path certFile, Path keyFile, Path caFile) {
  private static final String PASSWORD = "changeit";

  /** Makes the CA and a server certificate for {@code ips} in a new directory under /tmp. */
  static TestCertificates create(List<String> ips) throws Exception {
    Path dir = Files.createTempDirectory("sparkplug-it-tls");
    Path caStore = dir.resolve("ca.p12");
    Path serverStore = dir.resolve("server.p12");
    Path request = dir.resolve("server.csr");
    Path signed = dir.resolve("server.crt");
    // The two key pairs are independent: make them side by side (each is a JVM start).
    Process ca =
        keytool(
            "-genkeypair",
            "-alias",
            "ca",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=sparkplug-it-ca",
            "-ext",
            "bc:c",
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            caStore.toString(),
            "-storepass",
            PASSWORD);
    Process server =
        keytool(
            "-genkeypair",
            "-alias",
            "server",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=sparkplug-executors",
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            serverStore.toString(),
            "-storepass",
            PASSWORD);
    finish(ca);
    finish(server);
    finish(
        keytool(
            "-certreq",
            "-alias",
            "server",
            "-keystore",
            serverStore.toString(),
            "-storepass",
            PASSWORD,
            "-file",
            request.toString()));
    finish(
        keytool(
            "-gencert",
            "-alias",
            "ca",
            "-keystore",
            caStore.toString(),
            "-storepass",
            PASSWORD,
            "-infile",
            request.toString(),
            "-outfile",
            signed.toString(),
            "-rfc",
            "-validity",
            "2",
            "-ext",
            "SAN=" + String.join(",", ips.stream().map(ip -> "ip:" + ip).toList()),
            "-ext",
            "EKU=serverAuth"));
    KeyStore caKeys = load(caStore);
    KeyStore serverKeys = load(serverStore);
    Path caFile = dir.resolve("ca.pem");
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    String caPem = pem("CERTIFICATE", caKeys.getCertificate("ca").getEncoded());
    Files.writeString(caFile, caPem);
    Files.writeString(certFile, Files.readString(signed, StandardCharsets.US_ASCII) + caPem);
    Files.writeString(
        keyFile,
        pem("PRIVATE KEY", serverKeys.getKey("server", PASSWORD.toCharArray()).getEncoded()));
    return new TestCertificates(certFile, keyFile, caFile);
  }

  /** TLS that trusts this CA only (the JDK's default CAs are not trusted). */
  SSLContext clientContext() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    List<Certificate> certificates = new ArrayList<>();
    try (InputStream in = Files.newInputStream(caFile)) {
      certificates.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
    }
    for (int i = 0; i < certificates.size(); i++) {
      trusted.setCertificateEntry("ca-" + i, certificates.get(i));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static Process keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.add("-noprompt");
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private static void finish(Process keytool) throws IOException, InterruptedException {
    Duration bound = Duration.ofSeconds(60);
    if (!keytool.waitFor(bound.toSeconds(), TimeUnit.SECONDS)) {
      keytool.destroyForcibly();
      throw new IOException("keytool did not finish within " + bound);
    }
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (keytool.exitValue() != 0) {
      throw new IOException("keytool failed (exit " + keytool.exitValue() + "): " + output);
    }
  }

  private static KeyStore load(Path store) throws Exception {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, PASSWORD.toCharArray());
      return keys;
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
