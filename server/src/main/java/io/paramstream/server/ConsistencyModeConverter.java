package io.paramstream.server;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code --consistency}: the mode's name in any case, with {@code -} for {@code _}, or the
 * short names people use for it: {@code async}, {@code sync} or {@code bsp}, {@code ssp}.
 */
final class ConsistencyModeConverter implements ITypeConverter<ConsistencyConfig.Mode> {

  @Override
  public ConsistencyConfig.Mode convert(String value) {
    String name = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    return switch (name) {
      case "ASYNC", "ASYNCHRONOUS" -> ConsistencyConfig.Mode.ASYNCHRONOUS;
      case "SYNC", "BSP", "SYNCHRONOUS" -> ConsistencyConfig.Mode.SYNCHRONOUS;
      case "SSP", "BOUNDED_STALENESS" -> ConsistencyConfig.Mode.BOUNDED_STALENESS;
      default ->
          throw new TypeConversionException(
              "'"
                  + value
                  + "' is not a mode: asynchronous (async), synchronous (sync, bsp) or"
                  + " bounded_staleness (ssp)");
    };
  }
}
