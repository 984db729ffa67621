// MirrorMaker 2's own client-side offset translation, for translation_test.cpp: run in Java's
// source-file mode (no build step) against MM2 3.8.1's jars,
//   java -cp "<mm2 libs>/*" tests/integration/Mm2TranslateOffsets.java BOOTSTRAP ALIAS GROUP SEPARATOR
// It calls RemoteClusterUtils.translateOffsets with `replication.policy.separator` set, so MM2's
// DefaultReplicationPolicy decides which checkpoints topic to read and how remote topics are
// named, and prints one "offset<TAB>topic<TAB>partition<TAB>offset" line per partition (the
// prefix tells the answer from log lines on the same output).
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

public final class Mm2TranslateOffsets {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: Mm2TranslateOffsets BOOTSTRAP ALIAS GROUP SEPARATOR");
      System.exit(2);
    }
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", args[0]);
    props.put("replication.policy.separator", args[3]);
    Map<TopicPartition, OffsetAndMetadata> offsets =
        RemoteClusterUtils.translateOffsets(props, args[1], args[2], Duration.ofSeconds(30));
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
      System.out.println("offset\t" + e.getKey().topic() + "\t" + e.getKey().partition() + "\t" + e.getValue().offset());
    }
  }
}
