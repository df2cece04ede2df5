package io.paramstream.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a size in bytes the way people type it: plain bytes ({@code 1048576}), binary units ({@code
 * 512KiB}, {@code 4MiB}, {@code 1GiB}, {@code 1TiB}) or decimal ones ({@code 64KB}, {@code 1GB}).
 * Units ignore case; a bare {@code K}, {@code M}, {@code G} is binary, as in {@code -Xmx}.
 */
public final class ByteSizeConverter implements ITypeConverter<Long> {

  static final String EXAMPLES = "use e.g. 1048576, 512KiB, 4MiB, 1GiB or 1GB";

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-z]*)");

  @Override
  public Long convert(String value) {
    return parse(value);
  }

  /** The number of bytes {@code text} names; a {@link TypeConversionException} if none. */
  public static long parse(String text) {
    Matcher matcher = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (matcher.matches()) {
      long multiplier = multiplier(matcher.group(2));
      if (multiplier > 0) {
        try {
          return Math.multiplyExact(Long.parseLong(matcher.group(1)), multiplier);
        } catch (ArithmeticException | NumberFormatException e) {
          throw new TypeConversionException("'" + text + "' is too large a size");
        }
      }
    }
    throw new TypeConversionException("'" + text + "' is not a size: " + EXAMPLES);
  }

  /** Bytes per unit, or 0 for a unit nobody means. */
  private static long multiplier(String unit) {
    return switch (unit) {
      case "", "b" -> 1L;
      case "k", "kib" -> 1L << 10;
      case "m", "mib" -> 1L << 20;
      case "g", "gib" -> 1L << 30;
      case "t", "tib" -> 1L << 40;
      case "kb" -> 1_000L;
      case "mb" -> 1_000_000L;
      case "gb" -> 1_000_000_000L;
      case "tb" -> 1_000_000_000_000L;
      default -> 0L;
    };
  }

  /** The same for {@code int} options, such as message sizes gRPC takes as an int. */
  public static final class ToInt implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long bytes = parse(value);
      if (bytes > Integer.MAX_VALUE) {
        throw new TypeConversionException(
            "'" + value + "' is too large: at most " + Integer.MAX_VALUE + " bytes (2GiB - 1)");
      }
      return (int) bytes;
    }
  }
}
