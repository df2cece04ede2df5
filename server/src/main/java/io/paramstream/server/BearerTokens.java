package io.paramstream.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The tokens of {@code --auth-tokens} and their roles, shared by the gRPC services and the metrics
 * endpoint. Tokens are kept only as SHA-256 digests and never logged.
 */
final class BearerTokens {

  private static final String BEARER = "Bearer ";

  private final Map<String, Role> rolesByDigest;

  private BearerTokens(Map<String, Role> rolesByDigest) {
    this.rolesByDigest = Map.copyOf(rolesByDigest);
  }

  /**
   * Reads a token file: one {@code <role> <token>} per line (roles admin, worker, reader); blank
   * lines and lines starting with # are ignored. Errors name the line, never the token.
   */
  static BearerTokens fromFile(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, Role> roles = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": expected '<role> <token>'");
      }
      Role role = Role.parse(parts[0]);
      if (parts[1].length() < 16) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": tokens must be at least 16 characters");
      }
      if (roles.put(digest(parts[1]), role) != null) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": token repeated");
      }
    }
    if (roles.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no tokens");
    }
    return new BearerTokens(roles);
  }

  int count() {
    return rolesByDigest.size();
  }

  /** The role of an {@code Authorization: Bearer <token>} header's token, or null if none. */
  Role roleOf(String authorizationHeader) {
    return authorizationHeader != null && authorizationHeader.startsWith(BEARER)
        ? rolesByDigest.get(digest(authorizationHeader.substring(BEARER.length())))
        : null;
  }

  private static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
