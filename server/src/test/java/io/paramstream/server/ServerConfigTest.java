package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void chunkBytes_overWhatClientsAccept_rejectedNamingValue() {
    assertThatThrownBy(() -> ServerConfig.defaults().withMaxChunkBytes(8 * 1024 * 1024))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8388608");
    assertThat(
            ServerConfig.defaults().withMaxChunkBytes(ServerConfig.MAX_CHUNK_BYTES).maxChunkBytes())
        .isEqualTo(ServerConfig.MAX_CHUNK_BYTES);
  }

  @Test
  void chunkBytes_notMultipleOfFour_rejected() {
    assertThatThrownBy(() -> ServerConfig.defaults().withMaxChunkBytes(1022))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1022");
  }
}
