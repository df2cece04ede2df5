package io.paramstream.core;

import io.paramstream.core.table.TableMetadata;
import java.util.List;

/** The groups and tables a SetHyperparameters changed, each sorted by name. */
public record HyperparametersSet(List<GroupMetadata> groups, List<TableMetadata> tables) {}
