#include "kmirror/offsets/offset_index.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include "kmirror/common/logging.h"
#include "kmirror/wire/bytes.h"
#include "kmirror/wire/offset_sync_event.h"
#include "offsets/rocksdb_status.h"

namespace kmirror::offsets {
namespace {

// Key tags. Every key starts with one; the format key is the tag alone.
constexpr char kRunTag = 'R';             // + flow + topic + partition + first source offset
constexpr char kPartitionTag = 'M';       // + flow + topic + partition
constexpr char kPositionTag = 'P';        // + flow + log partition
constexpr char kLogClusterTag = 'C';      // + flow -> id of the cluster holding the flow's log
constexpr char kTargetReplacedTag = 'T';  // + flow -> why the flow's target was replaced
constexpr char kFormatKey[] = "F";
// On-disk format of this file's keys and values. Bump on any incompatible change: an index
// in another format is refused at Open (and rebuilt from the log by deleting it).
constexpr uint32_t kFormatVersion = 1;
constexpr uint8_t kValueVersion = 1;
constexpr size_t kMaxName = std::numeric_limits<uint16_t>::max();

Status CheckName(std::string_view what, std::string_view name) {
  if (name.size() > kMaxName) return InvalidArgument(std::string(what) + " longer than 65535 bytes");
  return Status::Ok();
}

Result<std::string> FlowPrefix(char tag, const FlowKey& flow) {
  KM_RETURN_IF_ERROR(CheckName("source alias", flow.source_alias));
  KM_RETURN_IF_ERROR(CheckName("target alias", flow.target_alias));
  std::string out(1, tag);
  wire::bytes::PutStr16(out, flow.source_alias);
  wire::bytes::PutStr16(out, flow.target_alias);
  return out;
}

// The prefix shared by every key of one source partition (run or partition tag).
Result<std::string> PartitionPrefix(char tag, const FlowKey& flow, std::string_view topic, Partition partition) {
  if (partition.value() < 0) return InvalidArgument("negative partition");
  KM_RETURN_IF_ERROR(CheckName("topic", topic));
  Result<std::string> prefix = FlowPrefix(tag, flow);
  if (!prefix.ok()) return prefix.status();
  std::string out = std::move(prefix).value();
  wire::bytes::PutStr16(out, topic);
  wire::bytes::PutU32(out, static_cast<uint32_t>(partition.value()));
  return out;
}

std::string RunKey(std::string_view run_prefix, int64_t first_source) {
  std::string key(run_prefix);
  wire::bytes::PutU64(key, static_cast<uint64_t>(first_source));
  return key;
}

// Above every run key of the partition (they are the prefix plus 8 bytes).
std::string RunUpperBound(std::string_view run_prefix) { return std::string(run_prefix) + std::string(9, '\xff'); }

struct Run {
  int64_t first_source = 0;
  int64_t first_target = 0;
  int64_t count = 0;
  int64_t end() const { return first_source + count; }  // one past the last source offset
};

std::string EncodeRunValue(int64_t first_target, int64_t count) {
  std::string v;
  wire::bytes::PutU8(v, kValueVersion);
  wire::bytes::PutU64(v, static_cast<uint64_t>(first_target));
  wire::bytes::PutU64(v, static_cast<uint64_t>(count));
  return v;
}

Result<Run> DecodeRun(const rocksdb::Slice& key, const rocksdb::Slice& value) {
  if (key.size() < 8) return Internal("offset index: run key too short");
  wire::bytes::Reader k(std::string_view(key.data() + key.size() - 8, 8));
  wire::bytes::Reader v(std::string_view(value.data(), value.size()));
  auto version = v.U8();
  auto target = v.U64();
  auto count = v.U64();
  if (!version || *version != kValueVersion || !target || !count) {
    return DataLoss("offset index: unreadable run value (delete the index directory to rebuild it)");
  }
  return Run{static_cast<int64_t>(*k.U64()), static_cast<int64_t>(*target), static_cast<int64_t>(*count)};
}

struct PartitionMeta {
  int64_t source_log_start = -1;
  int64_t written_at_ms = 0;
  std::string target_topic;
};

std::string EncodeMeta(const PartitionMeta& m) {
  std::string v;
  wire::bytes::PutU8(v, kValueVersion);
  wire::bytes::PutU64(v, static_cast<uint64_t>(m.source_log_start));
  wire::bytes::PutU64(v, static_cast<uint64_t>(m.written_at_ms));
  wire::bytes::PutStr16(v, m.target_topic);
  return v;
}

Result<PartitionMeta> DecodeMeta(std::string_view value) {
  wire::bytes::Reader r(value);
  auto version = r.U8();
  auto log_start = r.U64();
  auto written = r.U64();
  auto topic = r.Str16();
  if (!version || *version != kValueVersion || !log_start || !written || !topic) {
    return DataLoss("offset index: unreadable partition value (delete the index directory to rebuild it)");
  }
  return PartitionMeta{static_cast<int64_t>(*log_start), static_cast<int64_t>(*written), std::string(*topic)};
}

// Reads the partition's meta; nullopt when there is none.
Result<std::optional<PartitionMeta>> ReadMeta(rocksdb::DB* db, const rocksdb::ReadOptions& ro, const std::string& key) {
  std::string value;
  rocksdb::Status s = db->Get(ro, key, &value);
  if (s.IsNotFound()) return std::optional<PartitionMeta>();
  if (!s.ok()) return FromRocksDb(s, "read offset index");
  Result<PartitionMeta> meta = DecodeMeta(value);
  if (!meta.ok()) return meta.status();
  return std::optional<PartitionMeta>(std::move(meta).value());
}

// An iterator over the runs of one partition, on `ro`'s snapshot. Owns its bounds, which
// RocksDB only references.
class RunIterator {
 public:
  RunIterator(rocksdb::DB* db, rocksdb::ReadOptions ro, std::string prefix)
      : prefix_(std::move(prefix)),
        lower_(prefix_),
        upper_(RunUpperBound(prefix_)),
        lower_slice_(lower_),
        upper_slice_(upper_) {
    ro.iterate_lower_bound = &lower_slice_;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro));
  }

  // The last run starting at or before `source`.
  Result<std::optional<Run>> SeekForPrev(int64_t source) {
    it_->SeekForPrev(RunKey(prefix_, source));
    return Current();
  }
  // The first run starting at or after `source`.
  Result<std::optional<Run>> Seek(int64_t source) {
    it_->Seek(RunKey(prefix_, source));
    return Current();
  }
  Result<std::optional<Run>> First() {
    it_->SeekToFirst();
    return Current();
  }
  Result<std::optional<Run>> Last() {
    it_->SeekToLast();
    return Current();
  }
  Result<std::optional<Run>> Next() {
    it_->Next();
    return Current();
  }
  const std::string& prefix() const { return prefix_; }

 private:
  Result<std::optional<Run>> Current() {
    if (!it_->Valid()) {
      if (!it_->status().ok()) return FromRocksDb(it_->status(), "scan offset index");
      return std::optional<Run>();
    }
    Result<Run> run = DecodeRun(it_->key(), it_->value());
    if (!run.ok()) return run.status();
    return std::optional<Run>(*run);
  }

  std::string prefix_;
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// Adds to `batch` what applying the run [s0, s0+count) -> t0 changes, keeping the
// partition's runs disjoint. Later events win: overlapped parts of older runs are removed;
// their parts outside the new run stay (a split leaves a head and/or a tail), except with
// `reset`, which removes everything from s0 on.
Status AddRun(rocksdb::DB* db, const std::string& run_prefix, int64_t s0, int64_t t0, int64_t count, bool reset,
              rocksdb::WriteBatch& batch) {
  const int64_t end = s0 + count;
  RunIterator it(db, rocksdb::ReadOptions(), run_prefix);
  // A run starting before s0 that reaches into the new one keeps its head (and, unless
  // reset, its tail after the new run).
  KM_ASSIGN_OR_RETURN(before, it.SeekForPrev(s0));
  if (before && before->first_source < s0 && before->end() > s0) {
    batch.Put(RunKey(run_prefix, before->first_source),
              EncodeRunValue(before->first_target, s0 - before->first_source));
    if (!reset && before->end() > end) {
      batch.Put(RunKey(run_prefix, end),
                EncodeRunValue(before->first_target + (end - before->first_source), before->end() - end));
    }
  }
  if (reset) {
    batch.DeleteRange(RunKey(run_prefix, s0), RunUpperBound(run_prefix));
  } else {
    KM_ASSIGN_OR_RETURN(run, it.Seek(s0));
    while (run && run->first_source < end) {
      batch.Delete(RunKey(run_prefix, run->first_source));
      if (run->end() > end) {  // keep the part after the new run
        batch.Put(RunKey(run_prefix, end),
                  EncodeRunValue(run->first_target + (end - run->first_source), run->end() - end));
        break;
      }
      KM_ASSIGN_OR_RETURN(next, it.Next());
      run = next;
    }
  }
  // Last, so it wins over a Delete/DeleteRange of the same key earlier in the batch.
  batch.Put(RunKey(run_prefix, s0), EncodeRunValue(t0, count));
  return Status::Ok();
}

Result<PartitionSummary> SummaryAt(rocksdb::DB* db, const rocksdb::ReadOptions& ro, const FlowKey& flow,
                                   const TopicPartition& source) {
  KM_ASSIGN_OR_RETURN(meta_key, PartitionPrefix(kPartitionTag, flow, source.topic, source.partition));
  KM_ASSIGN_OR_RETURN(run_prefix, PartitionPrefix(kRunTag, flow, source.topic, source.partition));
  KM_ASSIGN_OR_RETURN(meta, ReadMeta(db, ro, meta_key));
  RunIterator it(db, ro, run_prefix);
  KM_ASSIGN_OR_RETURN(first, it.First());
  KM_ASSIGN_OR_RETURN(last, it.Last());
  if (!meta && !first) {
    return NotFound("no offset syncs for " + source.ToString() + " in flow " + flow.ToString());
  }
  PartitionSummary out;
  out.source = source;
  if (meta) {
    out.target_topic = meta->target_topic;
    out.source_log_start = SourceOffset(meta->source_log_start);
    out.last_written_at_ms = meta->written_at_ms;
  }
  if (first) out.first_mirrored = SourceOffset(first->first_source);
  if (last) {
    out.mirrored_source_end = SourceOffset(last->end());
    out.mirrored_target_end = TargetOffset(last->first_target + last->count);
  }
  return out;
}

}  // namespace

std::string_view TranslationKindName(TranslationKind kind) {
  switch (kind) {
    case TranslationKind::kExact:
      return "exact";
    case TranslationKind::kGap:
      return "gap";
    case TranslationKind::kBeforeFirstRun:
      return "before-first-run";
    case TranslationKind::kBeyondLastRun:
      return "beyond-last-run";
  }
  return "unknown";
}

OffsetIndex::OffsetIndex(std::unique_ptr<rocksdb::DB> db, Options options) : db_(std::move(db)), options_(options) {}

OffsetIndex::~OffsetIndex() {
  if (db_) {
    rocksdb::Status s = db_->Close();
    if (!s.ok()) logging::Get("offsets")->warn("closing the offset index: {}", s.ToString());
  }
}

Result<std::unique_ptr<OffsetIndex>> OffsetIndex::Open(const std::string& dir, Options options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("create offset index directory " + dir + ": " + ec.message());

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.keep_log_file_num = 3;  // RocksDB's own LOG files in the directory
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, &raw);
  if (!s.ok()) return FromRocksDb(s, "open offset index " + dir);
  std::unique_ptr<rocksdb::DB> db(raw);

  std::string format;
  s = db->Get(rocksdb::ReadOptions(), kFormatKey, &format);
  if (s.IsNotFound()) {
    std::string v;
    wire::bytes::PutU32(v, kFormatVersion);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Put(wo, kFormatKey, v);
    if (!s.ok()) return FromRocksDb(s, "initialise offset index " + dir);
  } else if (!s.ok()) {
    return FromRocksDb(s, "open offset index " + dir);
  } else {
    wire::bytes::Reader r(format);
    auto version = r.U32();
    if (!version || *version != kFormatVersion) {
      return FailedPrecondition("offset index " + dir + " has on-disk format " +
                                (version ? std::to_string(*version) : std::string("?")) + ", this kmirror uses " +
                                std::to_string(kFormatVersion) + "; delete the directory to rebuild it from the log");
    }
  }

  std::unique_ptr<OffsetIndex> index(new OffsetIndex(std::move(db), options));
  KM_RETURN_IF_ERROR(index->LoadPositions());
  logging::Get("offsets")->info("offset index {}: {} flow(s) with stored log positions", dir, index->flows_.size());
  return index;
}

Status OffsetIndex::LoadPositions() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string tag(1, kPositionTag);
  for (it->Seek(tag); it->Valid() && it->key().starts_with(tag); it->Next()) {
    wire::bytes::Reader k(std::string_view(it->key().data() + 1, it->key().size() - 1));
    auto source = k.Str16();
    auto target = k.Str16();
    auto partition = k.U32();
    wire::bytes::Reader v(std::string_view(it->value().data(), it->value().size()));
    auto next = v.U64();
    if (!source || !target || !partition || !next || k.remaining() != 0) {
      return DataLoss("offset index: unreadable log position (delete the index directory to rebuild it)");
    }
    FlowKey flow{std::string(*source), std::string(*target)};
    flows_[flow].positions[static_cast<int32_t>(*partition)] = static_cast<int64_t>(*next);
  }
  KM_RETURN_IF_ERROR(FromRocksDb(it->status(), "load offset index positions"));
  KM_RETURN_IF_ERROR(LoadFlowStrings(kLogClusterTag, "log cluster", &FlowState::log_cluster));
  return LoadFlowStrings(kTargetReplacedTag, "target history mark", &FlowState::target_replaced);
}

Status OffsetIndex::LoadFlowStrings(char tag, const char* what, std::string FlowState::*field) {
  const std::string prefix(1, tag);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    wire::bytes::Reader k(std::string_view(it->key().data() + 1, it->key().size() - 1));
    auto source = k.Str16();
    auto target = k.Str16();
    if (!source || !target || k.remaining() != 0) {
      return DataLoss(std::string("offset index: unreadable ") + what + " (delete the index directory to rebuild it)");
    }
    flows_[FlowKey{std::string(*source), std::string(*target)}].*field = it->value().ToString();
  }
  return FromRocksDb(it->status(), std::string("load offset index ") + what + "s");
}

std::string OffsetIndex::FlowString(const FlowKey& flow, std::string FlowState::*field) const {
  std::shared_lock lock(mu_);
  auto f = flows_.find(flow);
  return f == flows_.end() ? std::string() : f->second.*field;
}

Status OffsetIndex::PutFlowString(char tag, std::string FlowState::*field, const FlowKey& flow,
                                  const std::string& value) {
  std::lock_guard write_lock(write_mu_);
  KM_ASSIGN_OR_RETURN(key, FlowPrefix(tag, flow));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  KM_RETURN_IF_ERROR(FromRocksDb(db_->Put(wo, key, value), "write offset index"));
  std::unique_lock lock(mu_);
  flows_[flow].*field = value;
  return Status::Ok();
}

std::string OffsetIndex::TargetReplaced(const FlowKey& flow) const {
  return FlowString(flow, &FlowState::target_replaced);
}

Status OffsetIndex::MarkTargetReplaced(const FlowKey& flow, const std::string& why) {
  if (why.empty()) return InvalidArgument("offset index: a target history mark needs a reason");
  return PutFlowString(kTargetReplacedTag, &FlowState::target_replaced, flow, why);
}

Status OffsetIndex::RestartLog(const FlowKey& flow, int32_t log_partition) {
  if (log_partition < 0) return InvalidArgument("negative offset-sync log partition");
  std::lock_guard write_lock(write_mu_);
  KM_ASSIGN_OR_RETURN(key, FlowPrefix(kPositionTag, flow));
  wire::bytes::PutU32(key, static_cast<uint32_t>(log_partition));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  KM_RETURN_IF_ERROR(FromRocksDb(db_->Delete(wo, key), "restart log in offset index"));
  std::unique_lock lock(mu_);
  FlowState& state = flows_[flow];
  state.positions.erase(log_partition);
  if (state.catch_up_to) state.catch_up_to->erase(log_partition);
  return Status::Ok();
}

std::string OffsetIndex::LogCluster(const FlowKey& flow) const { return FlowString(flow, &FlowState::log_cluster); }

Status OffsetIndex::SetLogCluster(const FlowKey& flow, const std::string& cluster_id) {
  return PutFlowString(kLogClusterTag, &FlowState::log_cluster, flow, cluster_id);
}

bool OffsetIndex::Applied(const FlowKey& flow, int32_t log_partition, int64_t offset) const {
  std::shared_lock lock(mu_);
  auto f = flows_.find(flow);
  if (f == flows_.end()) return false;
  auto p = f->second.positions.find(log_partition);
  return p != f->second.positions.end() && offset < p->second;
}

Status OffsetIndex::Apply(const v1::OffsetSyncEvent& e, LogPosition position) {
  KM_RETURN_IF_ERROR(wire::ValidateOffsetSyncEvent(e));
  if (position.partition < 0 || position.offset < 0) return InvalidArgument("negative offset-sync log position");
  const FlowKey flow{e.flow().source_alias(), e.flow().target_alias()};
  const Partition partition(e.partition());

  std::lock_guard write_lock(write_mu_);
  if (Applied(flow, position.partition, position.offset)) return Status::Ok();

  KM_ASSIGN_OR_RETURN(meta_key, PartitionPrefix(kPartitionTag, flow, e.source_topic(), partition));
  KM_ASSIGN_OR_RETURN(run_prefix, PartitionPrefix(kRunTag, flow, e.source_topic(), partition));
  KM_RETURN_IF_ERROR(CheckName("target topic", e.target_topic()));
  rocksdb::WriteBatch batch;

  KM_ASSIGN_OR_RETURN(old_meta, ReadMeta(db_.get(), rocksdb::ReadOptions(), meta_key));
  PartitionMeta meta = old_meta.value_or(PartitionMeta{});
  // The log start only moves forward (a lower value is older knowledge).
  meta.source_log_start = std::max(meta.source_log_start, e.source_log_start_offset());
  if (!e.target_topic().empty()) meta.target_topic = e.target_topic();
  meta.written_at_ms = e.written_at_ms();
  batch.Put(meta_key, EncodeMeta(meta));

  if (e.record_count() > 0) {
    if (e.target_restart()) {
      // The target partition started again (re-seeded after its remote topic was recreated
      // or the target replaced): every earlier run describes a copy that is gone.
      batch.DeleteRange(RunKey(run_prefix, 0), RunUpperBound(run_prefix));
      batch.Put(RunKey(run_prefix, e.first_source_offset()), EncodeRunValue(e.first_target_offset(), e.record_count()));
    } else {
      KM_RETURN_IF_ERROR(AddRun(db_.get(), run_prefix, e.first_source_offset(), e.first_target_offset(),
                                e.record_count(), e.reset(), batch));
    }
  }
  return Commit(flow, position.partition, position.offset + 1, batch);
}

Status OffsetIndex::AdvanceLogPosition(const FlowKey& flow, int32_t log_partition, int64_t next_offset) {
  if (log_partition < 0 || next_offset < 0) return InvalidArgument("negative offset-sync log position");
  std::lock_guard write_lock(write_mu_);
  if (Applied(flow, log_partition, next_offset - 1)) return Status::Ok();
  rocksdb::WriteBatch batch;
  return Commit(flow, log_partition, next_offset, batch);
}

Status OffsetIndex::ResetFlow(const FlowKey& flow, const std::string& target_replaced) {
  std::lock_guard write_lock(write_mu_);
  rocksdb::WriteBatch batch;
  for (char tag : {kRunTag, kPartitionTag, kPositionTag, kLogClusterTag}) {
    KM_ASSIGN_OR_RETURN(begin, FlowPrefix(tag, flow));
    // The first key after every key starting with `begin`.
    std::string end = begin;
    while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
    if (end.empty()) return Internal("offset index: cannot bound a flow prefix");
    end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
    KM_RETURN_IF_ERROR(FromRocksDb(batch.DeleteRange(begin, end), "reset flow in offset index"));
  }
  if (!target_replaced.empty()) {
    KM_ASSIGN_OR_RETURN(mark, FlowPrefix(kTargetReplacedTag, flow));
    KM_RETURN_IF_ERROR(FromRocksDb(batch.Put(mark, target_replaced), "reset flow in offset index"));
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  KM_RETURN_IF_ERROR(FromRocksDb(db_->Write(wo, &batch), "reset flow in offset index"));
  std::unique_lock lock(mu_);
  FlowState fresh;
  // Not part of the reset (MarkTargetReplaced), unless this reset marks it.
  fresh.target_replaced = target_replaced.empty() ? flows_[flow].target_replaced : target_replaced;
  flows_[flow] = std::move(fresh);
  return Status::Ok();
}

Status OffsetIndex::Commit(const FlowKey& flow, int32_t log_partition, int64_t next_offset,
                           rocksdb::WriteBatch& batch) {
  KM_ASSIGN_OR_RETURN(key, FlowPrefix(kPositionTag, flow));
  wire::bytes::PutU32(key, static_cast<uint32_t>(log_partition));
  std::string value;
  wire::bytes::PutU64(value, static_cast<uint64_t>(next_offset));
  batch.Put(key, value);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  KM_RETURN_IF_ERROR(FromRocksDb(db_->Write(wo, &batch), "write offset index"));

  std::unique_lock lock(mu_);
  FlowState& state = flows_[flow];
  state.positions[log_partition] = next_offset;
  UpdateReadiness(state);
  return Status::Ok();
}

void OffsetIndex::UpdateReadiness(FlowState& state) {
  if (state.ready || !state.catch_up_to) return;
  for (const auto& [partition, end] : *state.catch_up_to) {
    auto p = state.positions.find(partition);
    const int64_t at = p == state.positions.end() ? 0 : p->second;
    if (at < end) return;
  }
  state.ready = true;
  state.catch_up_to.reset();
}

std::map<int32_t, int64_t> OffsetIndex::LogPositions(const FlowKey& flow) const {
  std::shared_lock lock(mu_);
  auto f = flows_.find(flow);
  return f == flows_.end() ? std::map<int32_t, int64_t>() : f->second.positions;
}

void OffsetIndex::MarkCaughtUp(const FlowKey& flow, const std::map<int32_t, int64_t>& log_end) {
  std::unique_lock lock(mu_);
  FlowState& state = flows_[flow];
  if (state.ready) return;
  state.catch_up_to = log_end;
  UpdateReadiness(state);
  if (state.ready) logging::Get("offsets")->info("offset index for {} caught up with its log", flow.ToString());
}

void OffsetIndex::MarkNotReady(const FlowKey& flow) {
  std::unique_lock lock(mu_);
  auto f = flows_.find(flow);
  if (f == flows_.end()) return;
  f->second.ready = false;
  f->second.catch_up_to.reset();
}

bool OffsetIndex::IsReady(const FlowKey& flow) const {
  std::shared_lock lock(mu_);
  auto f = flows_.find(flow);
  return f != flows_.end() && f->second.ready;
}

std::vector<FlowKey> OffsetIndex::Flows() const {
  std::shared_lock lock(mu_);
  std::vector<FlowKey> out;
  for (const auto& [flow, state] : flows_) {
    if (!state.positions.empty()) out.push_back(flow);
  }
  return out;
}

Result<Translation> OffsetIndex::Translate(const FlowKey& flow, const std::string& topic, Partition partition,
                                           SourceOffset offset) const {
  const int64_t x = offset.value();
  if (x < 0) return InvalidArgument("negative source offset");
  if (!IsReady(flow)) {
    return FailedPrecondition("the offset index of flow " + flow.ToString() +
                              " has not caught up with its offset-sync log yet");
  }
  const TopicPartition tp{topic, partition};
  KM_ASSIGN_OR_RETURN(meta_key, PartitionPrefix(kPartitionTag, flow, topic, partition));
  KM_ASSIGN_OR_RETURN(run_prefix, PartitionPrefix(kRunTag, flow, topic, partition));

  // One snapshot for the partition's meta and its runs: a concurrent Apply is either fully
  // visible or not at all.
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();
  KM_ASSIGN_OR_RETURN(meta, ReadMeta(db_.get(), ro, meta_key));
  RunIterator it(db_.get(), ro, run_prefix);

  KM_ASSIGN_OR_RETURN(prev, it.SeekForPrev(x));  // the last run starting at or before x
  std::optional<Run> next;                       // the first run starting after x
  if (prev) {
    if (x >= prev->end()) {
      KM_ASSIGN_OR_RETURN(after, it.Next());
      next = after;
    }
  } else {
    KM_ASSIGN_OR_RETURN(first, it.First());
    next = first;
  }
  if (!prev && !next) {
    return NotFound("no mirrored records known for " + tp.ToString() + " in flow " + flow.ToString());
  }

  Translation t;
  if (meta) {
    t.target_topic = meta->target_topic;
    t.source_log_start = SourceOffset(meta->source_log_start);
    t.deleted_on_source = meta->source_log_start >= 0 && x < meta->source_log_start;
  }
  if (prev && x < prev->end()) {
    t.kind = TranslationKind::kExact;
    t.target = TargetOffset(prev->first_target + (x - prev->first_source));
  } else if (prev && next) {
    t.kind = TranslationKind::kGap;
    t.target = TargetOffset(next->first_target);
  } else if (next) {
    t.kind = TranslationKind::kBeforeFirstRun;
    t.target = TargetOffset(next->first_target);
  } else {
    t.kind = TranslationKind::kBeyondLastRun;
    t.target = TargetOffset(prev->first_target + prev->count);
    t.mirrored_source_end = SourceOffset(prev->end());
  }
  return t;
}

Result<PartitionSummary> OffsetIndex::Summary(const FlowKey& flow, const TopicPartition& source) const {
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();
  return SummaryAt(db_.get(), ro, flow, source);
}

Result<std::vector<PartitionSummary>> OffsetIndex::Summaries(const FlowKey& flow) const {
  KM_ASSIGN_OR_RETURN(prefix, FlowPrefix(kPartitionTag, flow));
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();
  std::vector<TopicPartition> partitions;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      wire::bytes::Reader k(std::string_view(it->key().data() + prefix.size(), it->key().size() - prefix.size()));
      auto topic = k.Str16();
      auto partition = k.U32();
      if (!topic || !partition || k.remaining() != 0) {
        return DataLoss("offset index: unreadable partition key (delete the index directory to rebuild it)");
      }
      partitions.push_back(TopicPartition{std::string(*topic), Partition(static_cast<int32_t>(*partition))});
    }
    KM_RETURN_IF_ERROR(FromRocksDb(it->status(), "scan offset index"));
  }
  std::vector<PartitionSummary> out;
  out.reserve(partitions.size());
  for (const TopicPartition& tp : partitions) {
    KM_ASSIGN_OR_RETURN(summary, SummaryAt(db_.get(), ro, flow, tp));
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace kmirror::offsets
