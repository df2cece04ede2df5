package io.paramstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.TableRows;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.RowSelector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RowAssemblerTest {

  private static final PullRowsRequest REQUEST =
      PullRowsRequest.newBuilder()
          .addTables(RowSelector.newBuilder().setTable("u").addAllIds(List.of(5L, -1L, 5L)))
          .addTables(RowSelector.newBuilder().setTable("v").addIds(2).setIfNewerThan(3))
          .build();

  private static RowChunk chunk(String table, long offset, List<Long> ids, float... values) {
    return RowChunk.newBuilder()
        .setTable(table)
        .setVersion(4)
        .setDim(2)
        .setOffset(offset)
        .addAllIds(ids)
        .setValues(FloatCodec.encode(values))
        .build();
  }

  @Test
  void accept_chunksOfOneTable_reassembleInRequestOrder_andNotModifiedIsReported() {
    RowAssembler assembler = new RowAssembler(REQUEST);

    assembler.accept(chunk("u", 0, List.of(5L, -1L), 1, 2, 3, 4));
    assembler.accept(RowChunk.newBuilder().setTable("v").setNotModified(true).build());
    assembler.accept(chunk("u", 2, List.of(5L), 1, 2));
    Map<String, TableRows> rows = assembler.finish();

    assertThat(rows).containsOnlyKeys("u");
    assertThat(rows.get("u").ids()).containsExactly(5L, -1L, 5L);
    assertThat(rows.get("u").values()).containsExactly(1, 2, 3, 4, 1, 2);
    assertThat(rows.get("u").version()).isEqualTo(4);
    assertThat(assembler.notModified()).containsExactly("v");
  }

  @Test
  void accept_chunkSkippingRows_isAProtocolViolation() {
    RowAssembler assembler = new RowAssembler(REQUEST);

    assertThatThrownBy(() -> assembler.accept(chunk("u", 1, List.of(-1L), 3, 4)))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasMessageContaining("table u");
  }

  @Test
  void finish_answerEndingMidTable_isAProtocolViolation() {
    RowAssembler assembler = new RowAssembler(REQUEST);
    assembler.accept(chunk("u", 0, List.of(5L), 1, 2));

    assertThatThrownBy(assembler::finish)
        .isInstanceOf(ParamstreamException.class)
        .hasMessageContaining("rows of table u");
  }
}
