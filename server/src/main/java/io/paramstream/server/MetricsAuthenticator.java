package io.paramstream.server;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Lets a request to the metrics port through only with {@code Authorization: Bearer <token>} of any
 * role from {@code --auth-tokens}; otherwise 401. The metrics name groups, which is worth a token.
 *
 * <p>A browser cannot send that header when it opens a page, so the dashboard page alone also takes
 * the token as {@code /?token=<token>}; the page then sends the header on its own requests. The
 * token stays in the address bar and the browser's history: use a reader token there.
 */
final class MetricsAuthenticator extends Authenticator {

  private final BearerTokens tokens;

  MetricsAuthenticator(BearerTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    Role role = tokens.roleOf(exchange.getRequestHeaders().getFirst("Authorization"));
    if (role == null && exchange.getRequestURI().getPath().equals(DashboardHandler.PAGE)) {
      String token = queryToken(exchange.getRequestURI().getRawQuery());
      role = token == null ? null : tokens.roleOf("Bearer " + token);
    }
    if (role == null) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      return new Failure(401);
    }
    return new Success(new HttpPrincipal(role.name().toLowerCase(Locale.ROOT), "paramstream"));
  }

  /** The {@code token} parameter of a raw query string, or null. */
  private static String queryToken(String rawQuery) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.startsWith("token=")) {
        return URLDecoder.decode(pair.substring("token=".length()), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
