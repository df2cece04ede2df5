package io.paramstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BuildInfoTest {

  private static final String ID = "ceba870087938f441560974decfa1d2e9228abff";

  @Test
  void of_cleanCheckout_isTheCommitId() {
    BuildInfo build = BuildInfo.of("0.1.0-SNAPSHOT", ID, "false");

    assertThat(build.version()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(build.commit()).isEqualTo(ID);
    assertThat(build.describe()).isEqualTo("0.1.0-SNAPSHOT (commit " + ID + ")");
  }

  @Test
  void of_uncommittedChanges_marksTheCommitDirty() {
    assertThat(BuildInfo.of("0.1.0", ID, "true").commit()).isEqualTo(ID + "-dirty");
  }

  @Test
  void of_noGitMetadata_emptyCommit_isUnknown() {
    BuildInfo build = BuildInfo.of("0.1.0-SNAPSHOT", "", "false");

    assertThat(build.commit()).isEqualTo("unknown");
    assertThat(build.describe()).isEqualTo("0.1.0-SNAPSHOT (commit unknown)");
  }

  @Test
  void of_noGitProgram_placeholderLeftAsWritten_isUnknown() {
    assertThat(BuildInfo.of("0.1.0", "${git.commit}", "false").commit()).isEqualTo("unknown");
  }

  @Test
  void of_missingValues_areUnknown() {
    BuildInfo build = BuildInfo.of(null, null, null);

    assertThat(build.version()).isEqualTo("unknown");
    assertThat(build.commit()).isEqualTo("unknown");
  }

  @Test
  void current_readsTheFilteredResource() {
    BuildInfo build = BuildInfo.current();

    assertThat(build.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(build.commit()).matches("[0-9a-f]{40}(-dirty)?|unknown");
  }
}
