#include "kmirror/offsets/checkpoint_store.h"

namespace kmirror::offsets {

uint64_t CheckpointStore::Put(CheckpointRecord record) {
  std::lock_guard lock(mu_);
  record.seq = ++seq_;
  Key key{record.flow, record.group, record.source_topic, record.partition.value()};
  latest_[std::move(key)] = std::move(record);
  changed_.notify_all();
  return seq_;
}

std::vector<CheckpointRecord> CheckpointStore::List(const FlowKey& flow, const std::string& group,
                                                    const std::string& source_topic) const {
  std::lock_guard lock(mu_);
  std::vector<CheckpointRecord> out;
  for (auto it = latest_.lower_bound(Key{flow, "", "", INT32_MIN}); it != latest_.end(); ++it) {
    const CheckpointRecord& r = it->second;
    if (r.flow != flow) break;
    if (!group.empty() && r.group != group) continue;
    if (!source_topic.empty() && r.source_topic != source_topic) continue;
    out.push_back(r);
  }
  return out;
}

std::optional<CheckpointRecord> CheckpointStore::Get(const FlowKey& flow, const std::string& group,
                                                     const TopicPartition& source) const {
  std::lock_guard lock(mu_);
  auto it = latest_.find(Key{flow, group, source.topic, source.partition.value()});
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

std::vector<CheckpointRecord> CheckpointStore::WaitForChanges(const FlowKey& flow, const std::string& group,
                                                              uint64_t after_seq,
                                                              std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  std::vector<CheckpointRecord> out;
  auto collect = [&] {
    for (auto it = latest_.lower_bound(Key{flow, "", "", INT32_MIN}); it != latest_.end(); ++it) {
      const CheckpointRecord& r = it->second;
      if (r.flow != flow) break;
      if (r.seq <= after_seq || (!group.empty() && r.group != group)) continue;
      out.push_back(r);
    }
    return !out.empty() || closed_;
  };
  changed_.wait_for(lock, timeout, collect);
  return out;
}

uint64_t CheckpointStore::LastSeq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

void CheckpointStore::MarkLoaded(const FlowKey& flow) {
  std::lock_guard lock(mu_);
  loaded_.insert(flow);
}

bool CheckpointStore::IsLoaded(const FlowKey& flow) const {
  std::lock_guard lock(mu_);
  return loaded_.count(flow) > 0;
}

void CheckpointStore::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace kmirror::offsets
