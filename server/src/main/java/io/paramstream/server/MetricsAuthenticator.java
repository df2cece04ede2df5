package io.paramstream.server;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.util.Locale;

/**
 * Lets a scrape of {@code /metrics} through only with {@code Authorization: Bearer <token>} of any
 * role from {@code --auth-tokens}; otherwise 401. The metrics name groups, which is worth a token.
 */
final class MetricsAuthenticator extends Authenticator {

  private final BearerTokens tokens;

  MetricsAuthenticator(BearerTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    Role role = tokens.roleOf(exchange.getRequestHeaders().getFirst("Authorization"));
    if (role == null) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      return new Failure(401);
    }
    return new Success(new HttpPrincipal(role.name().toLowerCase(Locale.ROOT), "paramstream"));
  }
}
