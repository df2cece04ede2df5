package io.paramstream.server;

import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStore;
import io.paramstream.proto.v1.DescribeShardRequest;
import io.paramstream.proto.v1.ShardDescription;
import io.paramstream.proto.v1.ShardPlacementGrpc;
import io.paramstream.proto.v1.StoredGroup;
import java.util.List;

/**
 * The gRPC adapter of placement inspection: reports what this server holds so a cluster tool can
 * show which shard holds which group or range. The server does not interpret range names; placing
 * ranges is the cluster client's business.
 */
final class ShardPlacementService extends ShardPlacementGrpc.ShardPlacementImplBase {

  private final GroupStore store;

  ShardPlacementService(GroupStore store) {
    this.store = store;
  }

  @Override
  public void describeShard(
      DescribeShardRequest request, StreamObserver<ShardDescription> responseObserver) {
    try {
      ShardDescription.Builder description = ShardDescription.newBuilder();
      long totalBytes = 0;
      // An empty name list lists every group, sorted by name.
      for (GroupMetadata group : store.list(List.of())) {
        long bytes = (long) group.size() * Float.BYTES;
        totalBytes += bytes;
        description.addGroups(
            StoredGroup.newBuilder()
                .setName(group.name())
                .setSize(group.size())
                .setBytes(bytes)
                .setVersion(group.version()));
      }
      responseObserver.onNext(description.setTotalBytes(totalBytes).build());
      responseObserver.onCompleted();
    } catch (RuntimeException e) {
      responseObserver.onError(StatusMapper.toException(e));
    }
  }
}
