package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MemoryBenchmarkTest {

  private static final String STATUS =
      String.join(
          "\n",
          "Name:\tjava",
          "Umask:\t0022",
          "State:\tS (sleeping)",
          "Pid:\t4242",
          "VmPeak:\t 9043716 kB",
          "VmSize:\t 9043712 kB",
          "VmHWM:\t 1536000 kB",
          "VmRSS:\t 1400000 kB",
          "RssAnon:\t 1350000 kB",
          "RssFile:\t   50000 kB",
          "RssShmem:\t       0 kB",
          "Threads:\t38",
          "");

  @Test
  void parse_procStatus_readsMemoryLinesInBytes() {
    ProcStatus status = ProcStatus.parse(STATUS);

    assertThat(status.vmRssBytes()).isEqualTo(1_400_000L * 1024);
    assertThat(status.vmHwmBytes()).isEqualTo(1_536_000L * 1024);
    assertThat(status.rssAnonBytes()).isEqualTo(1_350_000L * 1024);
    assertThat(status.rssFileBytes()).isEqualTo(50_000L * 1024);
  }

  @Test
  void parse_withoutRssBreakdown_reportsZeroForIt() {
    ProcStatus status = ProcStatus.parse("VmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n");

    assertThat(status).isEqualTo(new ProcStatus(1024L * 1024, 2048L * 1024, 0, 0));
  }

  @Test
  void parse_withoutVmRss_throws() {
    assertThatThrownBy(() -> ProcStatus.parse("Name:\tjava\nVmHWM:\t 1 kB\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("VmRSS");
  }

  @Test
  void parse_sizeNotInKilobytes_throws() {
    assertThatThrownBy(() -> ProcStatus.parse("VmRSS:\t 1 MB\nVmHWM:\t 1 kB\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("VmRSS");
  }

  @Test
  void parse_ownProcess_seesSomeResidentMemory() throws Exception {
    ProcStatus own = ProcStatus.read(ProcessHandle.current().pid());

    assertThat(own.vmRssBytes()).isPositive();
    assertThat(own.vmHwmBytes()).isGreaterThanOrEqualTo(own.vmRssBytes());
  }

  @Test
  void targetBytes_oneGibibyte_isAbout1442Megabytes() {
    assertThat(MemoryBenchmark.targetBytes(1L << 30)).isEqualTo(1_442_177_280L);
  }

  @Test
  void groupSizes_evenSplit_equalGroups() {
    int[] sizes = MemoryBenchmark.groupSizes(1L << 30, 16);

    assertThat(sizes).hasSize(16).containsOnly(16 << 20);
  }

  @Test
  void groupSizes_remainder_goesToFirstGroupsAndSumsUp() {
    int[] sizes = MemoryBenchmark.groupSizes(4L * 10, 3);

    assertThat(sizes).containsExactly(4, 3, 3);
    assertThat(Arrays.stream(sizes).sum()).isEqualTo(10);
  }

  @Test
  void groupSizes_notWholeFloats_throws() {
    assertThatThrownBy(() -> MemoryBenchmark.groupSizes(10, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void groupSizes_oneGroupBeyondArrayLimit_throws() {
    assertThatThrownBy(() -> MemoryBenchmark.groupSizes(16L << 30, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use more");
  }

  @Test
  void table_ratiosAreToTarget() {
    long target = MemoryBenchmark.targetBytes(1L << 30);
    MemoryBenchmark.Run run =
        new MemoryBenchmark.Run(
            "",
            List.of(
                new MemoryBenchmark.Phase(
                    "created", 1.5, new ProcStatus(target / 2, target, target / 2, 0))),
            null);

    String table = MemoryBenchmark.table(List.of(run), target);

    assertThat(table)
        .contains("target resident size: 1442.2 MB")
        .contains("| `(JVM defaults)` | created | 1.5 | 721.1 | 1442.2 | 721.1 | 0.500 | 1.000 |");
  }

  @Test
  void json_namesSettingsAndRatios() {
    long target = MemoryBenchmark.targetBytes(1L << 30);
    MemoryBenchmark.Run run =
        new MemoryBenchmark.Run(
            " -Xmx2g ",
            List.of(new MemoryBenchmark.Phase("pulled", 2, new ProcStatus(target, target, 0, 0))),
            null);

    String json = MemoryBenchmark.json(List.of(run), 1L << 30, 16);

    assertThat(json)
        .contains("\"targetBytes\": 1442177280")
        .contains("\"serverJvmArgs\": \"-Xmx2g\"")
        .contains("\"phase\": \"pulled\"")
        .contains("\"error\": null")
        .contains("\"rssToTarget\": 1.0000");
  }

  @Test
  void table_failedRun_saysWhy() {
    MemoryBenchmark.Run run =
        new MemoryBenchmark.Run("-Xmx1g", List.of(), "UNKNOWN: Application error processing RPC");

    String table = MemoryBenchmark.table(List.of(run), MemoryBenchmark.targetBytes(1L << 30));

    assertThat(table).contains("| `-Xmx1g` | failed: UNKNOWN: Application error processing RPC |");
  }
}
