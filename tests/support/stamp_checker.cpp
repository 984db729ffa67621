#include "support/stamp_checker.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "support/process.h"

namespace kmirror::test {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

constexpr std::size_t kExamples = 5;

// One producer's records in one source partition.
using StreamKey = std::tuple<std::string, std::string, int32_t>;  // origin, producer, partition
StreamKey KeyOf(const Stamp& s) { return {s.origin, s.producer, s.partition}; }

// Per stream, by sequence number: a flag per state. Sequences are dense from 0.
struct Stream {
  std::vector<uint8_t> expected;  // must be in the copy
  std::vector<uint8_t> aborted;
  std::vector<int32_t> copies;  // copies seen
  int64_t max_first = -1;       // highest sequence seen so far (first copies only)

  static void Set(std::vector<uint8_t>& v, int64_t seq) {
    if (v.size() <= static_cast<std::size_t>(seq)) v.resize(static_cast<std::size_t>(seq) + 1, 0);
    v[static_cast<std::size_t>(seq)] = 1;
  }
  static bool Has(const std::vector<uint8_t>& v, int64_t seq) {
    return static_cast<std::size_t>(seq) < v.size() && v[static_cast<std::size_t>(seq)] != 0;
  }
};

void Note(std::vector<std::string>& examples, const std::string& text) {
  if (examples.size() < kExamples) examples.push_back(text);
}

std::string Where(const TopicContents& t) { return t.cluster + ":" + t.topic; }
std::string At(const StampedRecord& r) { return "[" + std::to_string(r.partition) + "]@" + std::to_string(r.offset); }

const TopicContents* Find(const CheckInput& input, const std::string& cluster, const std::string& topic) {
  for (const auto& t : input.topics) {
    if (t.cluster == cluster && t.topic == topic) return &t;
  }
  return nullptr;
}

void Add(CheckResult& total, const PartitionReport& p) {
  total.expected += p.expected;
  total.lost += p.lost;
  total.duplicated += p.duplicated;
  total.out_of_order += p.out_of_order;
  total.aborted_copied += p.aborted_copied;
  total.misplaced += p.misplaced;
  total.unexpected += p.unexpected;
  total.corrupt += p.corrupt;
}

// Consecutive sequence numbers of one stream at consecutive offsets of a copy partition.
struct Run {
  std::string stream;  // "<producer>/<source partition>"
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
};

// A copy partition's runs, and the one where its first problem is.
struct Layout {
  static constexpr std::size_t kMaxRuns = 100'000;  // memory bound; later runs are not kept
  std::vector<Run> runs;
  std::optional<std::size_t> problem;

  void Add(const Stamp& s, int64_t offset) {
    const std::string stream = s.producer + "/" + std::to_string(s.partition);
    if (!runs.empty()) {
      Run& last = runs.back();
      if (last.stream == stream && last.last_seq + 1 == s.seq && last.last_offset + 1 == offset) {
        last.last_seq = s.seq;
        last.last_offset = offset;
        return;
      }
    }
    if (runs.size() < kMaxRuns) runs.push_back({stream, s.seq, s.seq, offset, offset});
  }
  void Problem() {
    if (!problem && !runs.empty()) problem = runs.size() - 1;
  }
  std::string Describe() const {
    if (!problem) return {};
    std::string out;
    const std::size_t from = *problem >= 3 ? *problem - 3 : 0;
    for (std::size_t i = from; i < runs.size() && i < from + 12; ++i) {
      const Run& r = runs[i];
      if (!out.empty()) out += " | ";
      out += r.stream + ": seq " + std::to_string(r.first_seq) + ".." + std::to_string(r.last_seq) + " at @" +
             std::to_string(r.first_offset) + ".." + std::to_string(r.last_offset);
    }
    return out;
  }
};

void CheckCopy(const CheckInput& input, const CopySpec& spec, CheckResult& result) {
  const TopicContents* original = Find(input, spec.origin_cluster, spec.origin_topic);
  const TopicContents* copy = Find(input, spec.copy_cluster, spec.copy_topic);
  const std::string origin = spec.origin_cluster + ":" + spec.origin_topic;
  std::map<StreamKey, Stream> streams;
  // What must be there: everything the original holds (read_committed) and everything the
  // origin acknowledged; what must not: what was aborted.
  if (original != nullptr) {
    for (const auto& r : original->records) {
      if (r.stamp && r.stamp->origin == spec.origin_cluster)
        Stream::Set(streams[KeyOf(*r.stamp)].expected, r.stamp->seq);
    }
  }
  for (const auto& l : input.ledgers) {
    if (l.origin != spec.origin_cluster || l.topic != spec.origin_topic) continue;
    for (const auto& [p, seqs] : l.acknowledged) {
      auto& s = streams[{l.origin, l.producer, p}];
      for (int64_t seq : seqs) Stream::Set(s.expected, seq);
    }
    for (const auto& [p, seqs] : l.aborted) {
      auto& s = streams[{l.origin, l.producer, p}];
      for (int64_t seq : seqs) Stream::Set(s.aborted, seq);
    }
  }
  std::map<int32_t, PartitionReport> reports;
  auto report = [&](int32_t partition) -> PartitionReport& {
    auto [it, inserted] = reports.try_emplace(partition);
    if (inserted) {
      it->second.cluster = spec.copy_cluster;
      it->second.topic = spec.copy_topic;
      it->second.partition = partition;
      it->second.origin = origin;
    }
    return it->second;
  };
  for (const auto& [key, s] : streams) {
    report(std::get<2>(key)).expected += std::count(s.expected.begin(), s.expected.end(), 1);
  }
  if (copy == nullptr) {
    Note(result.examples, spec.copy_cluster + ":" + spec.copy_topic + " (copy of " + origin + ") was not read");
  } else {
    // ConsumeTopic returns partition by partition, each in offset order.
    std::map<int32_t, Layout> layouts;
    for (const auto& r : copy->records) {
      if (r.corrupt) {
        auto& rep = report(r.partition);
        ++rep.corrupt;
        Note(rep.examples, "corrupt stamped record at " + At(r));
        continue;
      }
      if (!r.stamp || r.stamp->origin != spec.origin_cluster) continue;  // another writer's
      auto& rep = report(r.partition);
      ++rep.records;
      const Stamp& st = *r.stamp;
      Layout& layout = layouts[r.partition];
      layout.Add(st, r.offset);
      auto it = streams.find(KeyOf(st));
      if (it != streams.end() && Stream::Has(it->second.aborted, st.seq)) {
        ++rep.aborted_copied;
        layout.Problem();
        Note(rep.examples, st.ToString() + " (aborted on the origin) copied at " + At(r));
        continue;
      }
      if (it == streams.end() || !Stream::Has(it->second.expected, st.seq)) {
        ++rep.unexpected;
        layout.Problem();
        Note(rep.examples, st.ToString() + " at " + At(r) + " was never in " + origin);
        continue;
      }
      Stream& s = it->second;
      if (st.partition != r.partition) {
        ++rep.misplaced;
        layout.Problem();
        Note(rep.examples, st.ToString() + " from source partition " + std::to_string(st.partition) + " at " + At(r));
      }
      if (s.copies.size() <= static_cast<std::size_t>(st.seq)) s.copies.resize(static_cast<std::size_t>(st.seq) + 1, 0);
      if (s.copies[static_cast<std::size_t>(st.seq)]++ > 0) {
        ++rep.duplicated;
        layout.Problem();
        continue;
      }
      if (st.seq < s.max_first) {
        ++rep.out_of_order;
        layout.Problem();
        Note(rep.examples, st.ToString() + " first copied at " + At(r) + " after seq " + std::to_string(s.max_first));
      }
      s.max_first = std::max(s.max_first, st.seq);
    }
    for (const auto& [p, layout] : layouts) report(p).layout = layout.Describe();
  }
  for (const auto& [key, s] : streams) {
    auto& rep = report(std::get<2>(key));
    int64_t first_missing = -1;
    int64_t missing = 0;
    for (std::size_t seq = 0; seq < s.expected.size(); ++seq) {
      if (s.expected[seq] == 0 || (seq < s.copies.size() && s.copies[seq] > 0)) continue;
      if (missing++ == 0) first_missing = static_cast<int64_t>(seq);
    }
    if (missing > 0) {
      rep.lost += missing;
      Note(rep.examples, std::to_string(missing) + " of " + std::get<0>(key) + "/" + std::get<1>(key) + "/" +
                             std::to_string(std::get<2>(key)) + " lost, the first seq " +
                             std::to_string(first_missing));
    }
  }
  for (auto& [p, rep] : reports) {
    Add(result, rep);
    result.partitions.push_back(std::move(rep));
  }
}

// Records on the cluster they were first written to, other than that first write. The
// original topics are the ones the ledgers and copy specs name as origins.
void CheckLoops(const CheckInput& input, CheckResult& result) {
  std::set<std::pair<std::string, std::string>> originals;  // cluster, topic
  for (const auto& l : input.ledgers) originals.insert({l.origin, l.topic});
  for (const auto& c : input.copies) originals.insert({c.origin_cluster, c.origin_topic});
  for (const auto& t : input.topics) {
    const bool original = originals.contains({t.cluster, t.topic});
    std::map<Stamp, int> seen;  // in an original topic: occurrences per stamp
    for (const auto& r : t.records) {
      if (!r.stamp || r.stamp->origin != t.cluster) continue;
      if (original && seen[*r.stamp]++ == 0) continue;
      ++result.looped;
      Note(result.examples,
           "loop: " + r.stamp->ToString() + " is back on " + t.cluster + " in " + t.topic + " at " + At(r));
    }
  }
}

void CheckSources(const CheckInput& input, CheckResult& result) {
  for (const auto& l : input.ledgers) {
    const TopicContents* original = Find(input, l.origin, l.topic);
    if (original == nullptr) continue;
    std::map<int32_t, std::set<int64_t>> present;
    for (const auto& r : original->records) {
      if (r.stamp && r.stamp->origin == l.origin && r.stamp->producer == l.producer) {
        present[r.stamp->partition].insert(r.stamp->seq);
      }
    }
    for (const auto& [p, seqs] : l.acknowledged) {
      for (int64_t seq : seqs) {
        if (present[p].contains(seq)) continue;
        ++result.lost_at_source;
        Note(result.examples,
             Stamp{l.origin, l.producer, p, seq}.ToString() + " was acknowledged but is not in " + Where(*original));
      }
    }
  }
}

std::string Totals(const CheckResult& r) {
  std::ostringstream out;
  out << "expected " << r.expected << ", lost " << r.lost << ", duplicated " << r.duplicated << ", out of order "
      << r.out_of_order << ", looped " << r.looped << ", aborted copied " << r.aborted_copied;
  if (r.misplaced) out << ", misplaced " << r.misplaced;
  if (r.unexpected) out << ", unexpected " << r.unexpected;
  if (r.corrupt) out << ", corrupt " << r.corrupt;
  if (r.lost_at_source) out << ", LOST AT SOURCE " << r.lost_at_source;
  return out.str();
}

// Names related to the originals: the original itself or any remote name ending with it.
bool Related(const std::string& topic, const std::set<std::string>& originals) {
  for (const auto& o : originals) {
    if (topic == o || (topic.size() > o.size() && topic.ends_with(o))) return true;
  }
  return false;
}

// What the copies must reach, cheaply: the copy's record count (watermarks) at least the
// number of stamps it must hold (acknowledged ones, or the original's count).
bool CountsReached(const MirrorSpec& spec) {
  for (const auto& c : spec.copies) {
    int64_t need = 0;
    for (const auto& l : spec.ledgers) {
      if (l.origin == c.origin_cluster && l.topic == c.origin_topic) need += l.acknowledged_count();
    }
    const ClientConfig* copy_client = nullptr;
    for (const auto& [name, client] : spec.clusters) {
      if (name == c.copy_cluster) copy_client = &client;
    }
    if (copy_client == nullptr) return true;  // CheckMirror reports it
    int64_t have = 0;
    auto partitions = PartitionCount(*copy_client, c.copy_topic);
    for (int p = 0; partitions.ok() && p < *partitions; ++p) {
      auto wm = Watermarks(*copy_client, c.copy_topic, p);
      if (wm.ok()) have += wm->high - wm->low;
    }
    if (have < need) return false;
  }
  return true;
}

}  // namespace

CheckResult Check(const CheckInput& input) {
  CheckResult result;
  for (const auto& c : input.copies) CheckCopy(input, c, result);
  CheckLoops(input, result);
  CheckSources(input, result);
  return result;
}

std::string CheckResult::Summary() const {
  std::ostringstream out;
  out << Totals(*this);
  for (const auto& e : errors) out << "\n  error: " << e;
  for (const auto& e : examples) out << "\n  " << e;
  for (const auto& p : partitions) {
    const bool problem = p.lost || p.out_of_order || p.aborted_copied || p.misplaced || p.unexpected || p.corrupt;
    if (!problem && p.duplicated == 0) continue;
    out << "\n  " << p.cluster << ":" << p.topic << "[" << p.partition << "] (copy of " << p.origin << "): expected "
        << p.expected << ", records " << p.records << ", lost " << p.lost << ", duplicated " << p.duplicated
        << ", out of order " << p.out_of_order;
    if (p.aborted_copied) out << ", aborted copied " << p.aborted_copied;
    if (p.misplaced) out << ", misplaced " << p.misplaced;
    if (p.unexpected) out << ", unexpected " << p.unexpected;
    if (p.corrupt) out << ", corrupt " << p.corrupt;
    for (const auto& e : p.examples) out << "\n    " << e;
    if (!p.layout.empty()) out << "\n    around the first problem: " << p.layout;
  }
  return out.str();
}

CheckResult CheckMirror(const MirrorSpec& spec) {
  CheckInput input{.copies = spec.copies, .ledgers = spec.ledgers};
  std::set<std::pair<std::string, std::string>> wanted;
  std::set<std::string> originals;
  for (const auto& c : spec.copies) {
    wanted.insert({c.origin_cluster, c.origin_topic});
    wanted.insert({c.copy_cluster, c.copy_topic});
    originals.insert(c.origin_topic);
  }
  for (const auto& l : spec.ledgers) {
    wanted.insert({l.origin, l.topic});
    originals.insert(l.topic);
  }
  std::vector<std::string> errors;
  for (const auto& [name, client] : spec.clusters) {
    std::set<std::string> topics;
    for (const auto& [cluster, topic] : wanted) {
      if (cluster == name) topics.insert(topic);
    }
    if (spec.scan_for_loops) {
      auto all = ListTopics(client);
      if (!all.ok()) errors.push_back("listing topics of " + name + ": " + all.error());
      for (const auto& t : all.value_or({})) {
        if (Related(t, originals)) topics.insert(t);
      }
    }
    for (const auto& t : topics) {
      if (!PartitionCount(client, t).ok()) continue;  // does not exist: a copy of it is all lost
      auto contents = ReadStampedTopic(client, name, t);
      if (!contents.ok()) {
        errors.push_back("reading " + name + ":" + t + ": " + contents.error());
        continue;
      }
      input.topics.push_back(std::move(contents).value());
    }
  }
  CheckResult result = Check(input);
  result.errors = std::move(errors);
  return result;
}

CheckResult WaitForMirror(const MirrorSpec& spec, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  WaitUntil([&] { return CountsReached(spec); }, timeout, std::chrono::milliseconds(500));
  while (true) {
    CheckResult r = CheckMirror(spec);
    if ((r.lost == 0 && r.errors.empty()) || std::chrono::steady_clock::now() >= deadline) return r;
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
}

AssertionResult NothingLost(const CheckResult& r) {
  if (r.lost == 0 && r.lost_at_source == 0 && r.errors.empty()) return AssertionSuccess();
  return AssertionFailure() << "records lost: " << r.Summary();
}

AssertionResult NoLoops(const CheckResult& r) {
  if (r.looped == 0) return AssertionSuccess();
  return AssertionFailure() << "records looped: " << r.Summary();
}

AssertionResult OrderKept(const CheckResult& r) {
  if (r.out_of_order == 0 && r.misplaced == 0) return AssertionSuccess();
  return AssertionFailure() << "order not kept: " << r.Summary();
}

AssertionResult NothingAbortedCopied(const CheckResult& r) {
  if (r.aborted_copied == 0) return AssertionSuccess();
  return AssertionFailure() << "records of aborted transactions copied: " << r.Summary();
}

AssertionResult DuplicatesAtMost(const CheckResult& r, int64_t bound) {
  if (r.duplicated <= bound) return AssertionSuccess();
  return AssertionFailure() << r.duplicated << " duplicates, more than the bound " << bound << ": " << r.Summary();
}

AssertionResult AtLeastOnce(const CheckResult& r, int64_t max_duplicates) {
  for (const auto& check :
       {NothingLost(r), NoLoops(r), OrderKept(r), NothingAbortedCopied(r), DuplicatesAtMost(r, max_duplicates)}) {
    if (!check) return check;
  }
  if (r.unexpected != 0 || r.corrupt != 0)
    return AssertionFailure() << "unexpected or corrupt records: " << r.Summary();
  if (r.expected == 0) return AssertionFailure() << "nothing to check (no stamps expected): " << r.Summary();
  return AssertionSuccess();
}

}  // namespace kmirror::test
