package io.paramstream.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration the way people type it: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h},
 * {@code 2d}, combinations such as {@code 1h30m}, {@code 0}, or ISO-8601 ({@code PT30S}).
 */
public final class DurationConverter implements ITypeConverter<Duration> {

  static final String EXAMPLES = "use e.g. 250ms, 30s, 5m, 1h, 1h30m or ISO-8601 PT30S";

  private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h|d))+");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /** The duration {@code text} names; a {@link TypeConversionException} saying the forms if not. */
  public static Duration parse(String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (value.equals("0")) {
        return Duration.ZERO;
      }
      if (value.startsWith("p")) {
        return Duration.parse(value.toUpperCase(Locale.ROOT));
      }
      if (WHOLE.matcher(value).matches()) {
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(value);
        while (part.find()) {
          total = total.plus(unit(Long.parseLong(part.group(1)), part.group(2)));
        }
        return total;
      }
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      // Falls through to the one message that shows the accepted forms.
    }
    throw new TypeConversionException("'" + text + "' is not a duration: " + EXAMPLES);
  }

  private static Duration unit(long amount, String unit) {
    return switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }
}
