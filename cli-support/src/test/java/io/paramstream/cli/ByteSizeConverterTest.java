package io.paramstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class ByteSizeConverterTest {

  @ParameterizedTest
  @CsvSource({
    "1048576, 1048576",
    "0, 0",
    "100B, 100",
    "512KiB, 524288",
    "4MiB, 4194304",
    "64mib, 67108864",
    "1GiB, 1073741824",
    "2TiB, 2199023255552",
    "64KB, 64000",
    "1MB, 1000000",
    "1GB, 1000000000",
    "4M, 4194304",
    "'4 MiB', 4194304",
    "9223372036854775807, 9223372036854775807"
  })
  void parse_typedForms_giveTheBytes(String text, long bytes) {
    assertThat(ByteSizeConverter.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "MiB", "4XB", "1.5GiB", "-1", "4 MiBs", "0x10"})
  void parse_otherText_failsShowingTheForms(String text) {
    assertThatThrownBy(() -> ByteSizeConverter.parse(text))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'" + text + "' is not a size: " + ByteSizeConverter.EXAMPLES);
  }

  @Test
  void parse_overflow_failsAsTooLarge() {
    assertThatThrownBy(() -> ByteSizeConverter.parse("9999999999TiB"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'9999999999TiB' is too large a size");
  }

  @Test
  void toInt_overTwoGiB_failsNamingTheLimit() {
    ByteSizeConverter.ToInt toInt = new ByteSizeConverter.ToInt();
    assertThat(toInt.convert("1GiB")).isEqualTo(1 << 30);
    assertThatThrownBy(() -> toInt.convert("2GiB"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("at most 2147483647 bytes");
  }
}
