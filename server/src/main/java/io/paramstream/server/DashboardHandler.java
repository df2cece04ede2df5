package io.paramstream.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The live dashboard on the metrics port: {@code /} is one self-contained page (no CDN, works
 * offline) that polls {@code /api/status} every second. Every other path but {@code /metrics} and
 * {@code /-/healthy} is 404.
 */
final class DashboardHandler implements HttpHandler {

  static final String PAGE = "/";
  static final String STATUS = "/api/status";

  // The page may talk only to this server: no script, style or font from anywhere else.
  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
          + " connect-src 'self'; img-src data:";

  private final ObjectMapper json = new ObjectMapper();
  private final StatusReport report;
  private final byte[] page = readPage();

  DashboardHandler(StatusReport report) {
    this.report = report;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().close();
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      String path = exchange.getRequestURI().getPath();
      if (path.equals(PAGE) || path.equals("/index.html")) {
        exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        send(exchange, "text/html; charset=utf-8", page);
      } else if (path.equals(STATUS)) {
        send(exchange, "application/json", json.writeValueAsBytes(report.now()));
      } else {
        exchange.sendResponseHeaders(404, -1);
      }
    }
  }

  private static void send(HttpExchange exchange, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(200, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] readPage() {
    try (InputStream in = DashboardHandler.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard.html missing from the server jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
