// The Java side of the translation benchmark (bench/translation.sh): loads the source cluster,
// times MirrorMaker 2's client-side offset translation, and checks translated offsets against
// the records they point at. One file, no build tool: bench/translation.sh compiles it with
//   javac -cp "<mm2 libs>/*" -d <dir> bench/TranslateOffsetsBench.java
// and runs it with `java -cp "<dir>:<mm2 libs>/*" TranslateOffsetsBench MODE --key value ...`.
//
// Modes:
//   setup   --bootstrap A --topic T --partitions P --records N --size S --groups G
//           --group-prefix PFX --out FILE [--seed X]
//     Creates T, produces N records round-robin over the partitions with key "<partition>:<seq>"
//     (so a record's key names the source offset it was written at), then commits offsets for
//     G groups PFX00..: group g, partition p gets a pseudo-random offset in [0, end(p)]
//     (inclusive: some groups are at the end). Writes "group<TAB>partition<TAB>offset" lines.
//   wait    --bootstrap B --alias SRC --groups g1,g2,... --partitions P --remote-topic RT
//           --records N [--stable-s 20] [--timeout-s 300]
//     Polls RemoteClusterUtils.translateOffsets until RT on B holds N records and every group
//     has a checkpoint for P partitions, or the number of checkpointed partitions has not
//     changed for --stable-s seconds (MM2 skips partitions it cannot translate); exit 0.
//     Exit 1 after --timeout-s.
//   bench   --bootstrap B --alias SRC --groups g1,g2,... --calls N --warmup W
//           [--mode utils|client] [--dump FILE]
//     N sequential calls (one in flight) round-robin over the groups after W warm-up calls.
//     utils:  RemoteClusterUtils.translateOffsets(props, SRC, group, 30 s): the documented
//             entry point; every call builds a MirrorClient (an Admin client) and a consumer.
//     client: one MirrorClient built once, MirrorClient.remoteConsumerOffsets per call (it
//             still builds a consumer per call and reads the checkpoints topic from the start).
//     Prints "rpc=... calls=... errors=... p50_us=... p90_us=... p99_us=... max_us=...
//     mean_us=... calls_per_s=..."; an error is an exception or a group with no offsets.
//     --dump writes the last answer per group: "group<TAB>partition<TAB>target_offset".
//   check   --bootstrap B --topic REMOTE_TOPIC --expected FILE(setup's) --answers FILE(dump)
//           [--label L]
//     For each (group, partition) in FILE: reads the record at the translated target offset
//     on B, takes the source offset from its key (or, at the partition's end, one past the
//     last record's), and compares with the group's committed source offset. Prints one
//     "check ..." line: answers, exact, behind (the consumer would re-read records), ahead
//     (it would skip records), missing, and the re-read records (sum, max, mean).
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.mirror.MirrorClient;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

public final class TranslateOffsetsBench {
  private static Map<String, String> args = new HashMap<>();

  private static String arg(String name) {
    String v = args.get(name);
    if (v == null) throw new IllegalArgumentException("missing --" + name);
    return v;
  }

  private static String arg(String name, String dflt) { return args.getOrDefault(name, dflt); }

  private static int intArg(String name) { return Integer.parseInt(arg(name)); }

  private static List<String> groups() { return Arrays.asList(arg("groups").split(",")); }

  public static void main(String[] argv) throws Exception {
    if (argv.length < 1) {
      System.err.println("usage: TranslateOffsetsBench setup|wait|bench|check --key value ...");
      System.exit(2);
    }
    for (int i = 1; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) throw new IllegalArgumentException("expected --key, got " + argv[i]);
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    switch (argv[0]) {
      case "setup": setup(); break;
      case "wait": System.exit(waitForCheckpoints() ? 0 : 1); break;
      case "bench": bench(); break;
      case "check": check(); break;
      default: System.err.println("unknown mode " + argv[0]); System.exit(2);
    }
  }

  // ------------------------------------------------------------------------------ setup
  private static void setup() throws Exception {
    String bootstrap = arg("bootstrap"), topic = arg("topic"), prefix = arg("group-prefix");
    int partitions = intArg("partitions"), records = intArg("records"), size = intArg("size");
    int groupCount = intArg("groups");
    Random random = new Random(Long.parseLong(arg("seed", "42")));
    Map<String, Object> common = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "10");
    pp.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    long t0 = System.nanoTime();
    long[] seq = new long[partitions];
    try (KafkaProducer<byte[], byte[]> producer =
             new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      byte[] value = new byte[size];
      for (int i = 0; i < records; i++) {
        int p = i % partitions;
        for (int j = 0; j < size; j++) value[j] = (byte) ('a' + random.nextInt(26));
        byte[] key = (p + ":" + seq[p]++).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, p, key, value.clone()));
      }
      producer.flush();
    }
    System.out.printf("produced %d records of %d B into %s (%d partitions) in %.1f s%n", records, size, topic,
        partitions, (System.nanoTime() - t0) / 1e9);
    Map<TopicPartition, Long> ends = endOffsets(bootstrap, topic, partitions);
    try (Admin admin = Admin.create(common);
         PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(arg("out"))))) {
      for (int g = 0; g < groupCount; g++) {
        String group = String.format("%s%02d", prefix, g);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
          TopicPartition tp = new TopicPartition(topic, p);
          long end = ends.get(tp);
          // Every fourth group has consumed everything: a common state, and the end offset
          // is its own case for a translator.
          long offset = g % 4 == 3 ? end : (long) (random.nextDouble() * (end + 1));
          offsets.put(tp, new OffsetAndMetadata(offset, "tr-bench"));
          out.printf("%s\t%d\t%d%n", group, p, offset);
        }
        admin.alterConsumerGroupOffsets(group, offsets).all().get(60, TimeUnit.SECONDS);
      }
    }
    System.out.printf("committed offsets for %d groups (%s00..)%n", groupCount, prefix);
  }

  private static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic, int partitions)
      throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<TopicPartition, OffsetSpec> req = new HashMap<>();
      for (int p = 0; p < partitions; p++) req.put(new TopicPartition(topic, p), OffsetSpec.latest());
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(req).all().get(60, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
      return ends;
    }
  }

  // ------------------------------------------------------------------------------ wait
  // bootstrap.servers of the target plus --props "k=v,k=v" (e.g. consumer.fetch.max.wait.ms=10:
  // MirrorClient passes "consumer."-prefixed settings to its consumer).
  private static Map<String, Object> targetProps() {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", arg("bootstrap"));
    for (String kv : arg("props", "").split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) props.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return props;
  }

  // Complete: every group has a checkpoint for every partition. MM2 never checkpoints a
  // partition whose committed offset is older than the oldest offset sync it kept, so
  // "complete" may never come: once the remote topic holds every record and the number of
  // checkpointed partitions has not changed for --stable-s seconds, that is the answer too.
  private static boolean waitForCheckpoints() throws Exception {
    String alias = arg("alias"), remoteTopic = arg("remote-topic");
    int partitions = intArg("partitions");
    long records = Long.parseLong(arg("records"));
    long stableNs = TimeUnit.SECONDS.toNanos(Long.parseLong(arg("stable-s", "20")));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(arg("timeout-s", "300")));
    Map<String, Object> props = targetProps();
    int lastTotal = -1;
    long lastChange = System.nanoTime();
    while (System.nanoTime() < deadline) {
      int total = 0, complete = 0;
      for (String g : groups()) {
        Map<TopicPartition, OffsetAndMetadata> m;
        try {
          m = RemoteClusterUtils.translateOffsets(props, alias, g, Duration.ofSeconds(30));
        } catch (Exception e) {
          m = Map.of();
        }
        total += m.size();
        if (m.size() >= partitions) complete++;
      }
      long mirrored = 0;
      try {
        mirrored = endOffsets(arg("bootstrap"), remoteTopic, partitions).values().stream().mapToLong(x -> x).sum();
      } catch (Exception e) {
        // the remote topic does not exist yet
      }
      long now = System.nanoTime();
      if (total != lastTotal) { lastTotal = total; lastChange = now; }
      int want = groups().size() * partitions;
      System.out.printf("wait mirrored=%d/%d checkpointed_partitions=%d/%d complete_groups=%d/%d%n", mirrored, records,
          total, want, complete, groups().size());
      if (mirrored >= records && total == want) return true;
      if (mirrored >= records && total > 0 && now - lastChange >= stableNs) {
        System.out.printf("wait stable: %d of %d partitions have checkpoints, unchanged for %d s%n", total, want,
            TimeUnit.NANOSECONDS.toSeconds(now - lastChange));
        return true;
      }
      Thread.sleep(1000);
    }
    System.err.println("wait: timed out");
    return false;
  }

  // ------------------------------------------------------------------------------ bench
  private static void bench() throws Exception {
    String alias = arg("alias"), mode = arg("mode", "utils");
    int calls = intArg("calls"), warmup = Integer.parseInt(arg("warmup", "10"));
    List<String> groups = groups();
    Map<String, Object> props = targetProps();
    Duration timeout = Duration.ofSeconds(30);
    MirrorClient client = mode.equals("client") ? new MirrorClient(props) : null;
    Map<String, Map<TopicPartition, OffsetAndMetadata>> last = new TreeMap<>();
    long[] lat = new long[calls];
    int errors = 0;
    long start = 0;
    for (int i = 0; i < warmup + calls; i++) {
      if (i == warmup) start = System.nanoTime();
      String g = groups.get(i % groups.size());
      long t0 = System.nanoTime();
      Map<TopicPartition, OffsetAndMetadata> m = null;
      try {
        m = client != null ? client.remoteConsumerOffsets(g, alias, timeout)
                           : RemoteClusterUtils.translateOffsets(props, alias, g, timeout);
      } catch (Exception e) {
        if (i >= warmup && errors < 3) System.err.println("call failed: " + e);
      }
      long t1 = System.nanoTime();
      if (i < warmup) continue;
      lat[i - warmup] = (t1 - t0) / 1000;
      if (m == null || m.isEmpty()) {
        errors++;
      } else {
        last.put(g, m);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (client != null) client.close();
    String rpc = client != null ? "MirrorClient.remoteConsumerOffsets" : "RemoteClusterUtils.translateOffsets";
    System.out.println(summary(rpc, lat, errors, seconds));
    if (args.containsKey("dump")) {
      try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(arg("dump"))))) {
        for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> e : last.entrySet()) {
          Map<Integer, Long> byPartition = new TreeMap<>();
          e.getValue().forEach((tp, om) -> byPartition.put(tp.partition(), om.offset()));
          byPartition.forEach((p, o) -> out.printf("%s\t%d\t%d%n", e.getKey(), p, o));
        }
      }
      // One group for the log, so a reader sees what MM2 answered.
      last.entrySet().stream().findFirst().ifPresent(e -> System.out.println(
          "offsets group=" + e.getKey() + " " + new TreeMap<>(e.getValue().entrySet().stream().collect(
              java.util.stream.Collectors.toMap(x -> x.getKey().toString(), x -> x.getValue().offset())))));
    }
  }

  static String summary(String rpc, long[] latUs, int errors, double seconds) {
    long[] s = latUs.clone();
    Arrays.sort(s);
    double mean = 0;
    for (long v : s) mean += v;
    mean = s.length > 0 ? mean / s.length : 0;
    return String.format("rpc=%s calls=%d errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f calls_per_s=%.1f",
        rpc, s.length, errors, pct(s, 50), pct(s, 90), pct(s, 99), s.length > 0 ? s[s.length - 1] : 0, mean,
        seconds > 0 ? s.length / seconds : 0);
  }

  // Nearest-rank percentile (the same definition as bench/ktranslate.cpp).
  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  // ------------------------------------------------------------------------------ check
  private static Map<String, Long> readTsv(String file) throws IOException {
    Map<String, Long> m = new TreeMap<>();
    for (String line : Files.readAllLines(Paths.get(file))) {
      String[] f = line.trim().split("\t");
      if (f.length == 3) m.put(f[0] + "\t" + f[1], Long.parseLong(f[2]));
    }
    return m;
  }

  private static void check() throws Exception {
    String topic = arg("topic");
    Map<String, Long> expected = readTsv(arg("expected")), answers = readTsv(arg("answers"));
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, arg("bootstrap"));
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    int exact = 0, behind = 0, ahead = 0, missing = 0;
    long reread = 0, rereadMax = 0, skipped = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<Integer, Long> ends = new HashMap<>();
      for (Map.Entry<String, Long> e : expected.entrySet()) {
        Long target = answers.get(e.getKey());
        if (target == null) { missing++; continue; }
        int p = Integer.parseInt(e.getKey().split("\t")[1]);
        TopicPartition tp = new TopicPartition(topic, p);
        long end = ends.computeIfAbsent(p, x -> consumer.endOffsets(List.of(tp)).get(tp));
        // The source offset a consumer resuming at `target` on B would read next.
        long source;
        if (target >= end) {
          source = end == 0 ? 0 : sourceOffsetAt(consumer, tp, end - 1) + 1;
        } else {
          source = sourceOffsetAt(consumer, tp, target);
        }
        long want = e.getValue();
        if (source == want) exact++;
        else if (source < want) { behind++; reread += want - source; rereadMax = Math.max(rereadMax, want - source); }
        else { ahead++; skipped += source - want; }
      }
    }
    int answered = expected.size() - missing;
    System.out.printf("check label=%s partitions=%d answered=%d exact=%d behind=%d ahead=%d missing=%d "
        + "reread_records=%d reread_max=%d reread_mean=%.1f skipped_records=%d%n", arg("label", "-"), expected.size(),
        answered, exact, behind, ahead, missing, reread, rereadMax, answered > 0 ? (double) reread / answered : 0.0,
        skipped);
  }

  private static long sourceOffsetAt(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long offset) {
    consumer.assign(List.of(tp));
    consumer.seek(tp, offset);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        String[] f = key.split(":");
        if (Integer.parseInt(f[0]) != tp.partition()) throw new IllegalStateException("record " + key + " in " + tp);
        return Long.parseLong(f[1]);
      }
    }
    throw new IllegalStateException("no record at " + tp + " offset " + offset);
  }
}
