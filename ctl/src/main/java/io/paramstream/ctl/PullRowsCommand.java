package io.paramstream.ctl;

import io.paramstream.client.TableRows;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pull-rows TABLE --ids 1,2,3 --format csv|json|npy [--out FILE]}: some rows of a sparse
 * table, in the order of the ids.
 */
@Command(
    name = "pull-rows",
    mixinStandardHelpOptions = true,
    description =
        "Writes rows of a sparse table, in the order of --ids: CSV (id then the row's values, one"
            + " row per line), JSON or NumPy .npy (an ids x dim float32 matrix).")
final class PullRowsCommand implements Callable<Integer> {

  /** One row in the JSON output. */
  record Row(long id, float[] values) {}

  /** The JSON output: the rows with the table version they were read at. */
  record RowsJson(String table, long version, int dim, List<Row> rows) {}

  @Mixin Connection connection;
  @Mixin ValuesFile file;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The table.")
  String table;

  @Option(
      names = "--ids",
      split = ",",
      required = true,
      paramLabel = "ID",
      description = "Row ids, comma separated; may repeat.")
  long[] ids;

  @Override
  public Integer call() throws Exception {
    file.check();
    TableRows rows = connection.withClient(client -> client.pullRows(table, ids));
    file.write(
        new ValuesFile.Values() {
          @Override
          public Object json() {
            List<Row> each = new ArrayList<>(rows.ids().length);
            for (int i = 0; i < rows.ids().length; i++) {
              each.add(new Row(rows.ids()[i], rows.row(i)));
            }
            return new RowsJson(rows.table(), rows.version(), rows.dim(), each);
          }

          @Override
          public void csv(PrintWriter writer) {
            for (int i = 0; i < rows.ids().length; i++) {
              StringBuilder line = new StringBuilder().append(rows.ids()[i]);
              for (float value : rows.row(i)) {
                line.append(',').append(value);
              }
              writer.println(line);
            }
          }

          @Override
          public void npy(OutputStream out) throws IOException {
            NpyFile.writeMatrix(rows.values(), rows.ids().length, rows.dim(), out);
          }
        });
    return 0;
  }
}
