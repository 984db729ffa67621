// ktranslate: look-up latency of kmirror's offset translation API (bench/translation.sh).
// A measuring instrument, not kmirror code: it uses only the generated gRPC stubs of
// proto/kmirror/v1/translation.proto, as any client would.
//
//   ktranslate --api HOST:PORT --from SRC --to TGT --topic T --groups g1,g2,...
//              [--calls 5000] [--warmup 200] [--rpcs offset,group,checkpoints]
//              [--wait-ready SECONDS] [--expect-identity 1] [--dump FILE] [--seed 1]
//
// One channel, one call in flight, calls back to back. For each RPC in --rpcs, --warmup
// calls that are not recorded, then --calls timed ones:
//   offset       TranslateOffset of a random partition of T and a random offset below what
//                is mirrored (from GetReplicationStatus); OK means status OK and kind EXACT
//   group        TranslateGroup, round-robin over the groups (kmirror reads the group's
//                committed offsets on the source and translates each); OK means status OK,
//                at least one translation, no per-partition errors, not from checkpoints
//   checkpoints  ListCheckpoints of one group, round-robin (the latest checkpoints kmirror
//                has read back from the target: what MM2's translateOffsets returns)
// With --expect-identity 1 (the benchmark's topics are exact copies with no gaps), an answer
// whose target offset differs from the source offset also counts as an error.
//
// --wait-ready S first waits (up to S seconds) until the flow's index is ready, every
// partition of T is mirrored to the source's end (lag 0), TranslateGroup answers every group
// and ListCheckpoints has a checkpoint for every partition of every group.
// --dump FILE writes TranslateGroup's last answer per group: "group<TAB>partition<TAB>offset".
//
// Output, one line per RPC (the same keys as bench/TranslateOffsetsBench.java):
//   rpc=TranslateOffset calls=N errors=E p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=.. calls_per_s=..
// Exit status: 0, or 1 when the API never became ready or a call was wrong.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kmirror/v1/translation.grpc.pb.h"

namespace {

namespace v1 = kmirror::v1;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "ktranslate: %s\n", msg.c_str());
  std::exit(1);
}

struct Options {
  std::string api, from, to, topic, dump;
  std::vector<std::string> groups, rpcs{"offset", "group", "checkpoints"};
  int calls = 5000, warmup = 200, wait_ready_s = 0;
  bool expect_identity = false;
  unsigned seed = 1;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (i + 1 >= argc || k.rfind("--", 0) != 0) Die("usage: see the comment at the top of bench/ktranslate.cpp");
    std::string v = argv[i + 1];
    if (k == "--api")
      o.api = v;
    else if (k == "--from")
      o.from = v;
    else if (k == "--to")
      o.to = v;
    else if (k == "--topic")
      o.topic = v;
    else if (k == "--groups")
      o.groups = Split(v);
    else if (k == "--calls")
      o.calls = std::stoi(v);
    else if (k == "--warmup")
      o.warmup = std::stoi(v);
    else if (k == "--rpcs")
      o.rpcs = Split(v);
    else if (k == "--wait-ready")
      o.wait_ready_s = std::stoi(v);
    else if (k == "--expect-identity")
      o.expect_identity = v == "1";
    else if (k == "--dump")
      o.dump = v;
    else if (k == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(v));
    else
      Die("unknown option " + k);
  }
  if (o.api.empty() || o.from.empty() || o.to.empty() || o.topic.empty() || o.groups.empty()) {
    Die("--api, --from, --to, --topic and --groups are required");
  }
  if (o.calls < 1 || o.warmup < 0) Die("--calls must be >= 1 and --warmup >= 0");
  return o;
}

class Client {
 public:
  explicit Client(const Options& o)
      : o_(o), stub_(v1::TranslationService::NewStub(grpc::CreateChannel(o.api, grpc::InsecureChannelCredentials()))) {}

  template <typename Req, typename Resp>
  grpc::Status Call(grpc::Status (v1::TranslationService::Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ((*stub_).*rpc)(&ctx, req, resp);
  }

  void SetFlow(v1::FlowSelector* f) const {
    f->set_source_alias(o_.from);
    f->set_target_alias(o_.to);
  }

  // Mirrored source end per partition of the topic; empty unless the flow is ready and
  // every partition is mirrored to the source's end. `why` says what is missing.
  std::map<int, int64_t> MirroredEnds(std::string* why) {
    v1::GetReplicationStatusRequest req;
    SetFlow(req.mutable_flow());
    req.set_topic(o_.topic);
    v1::GetReplicationStatusResponse resp;
    grpc::Status s = Call(&v1::TranslationService::Stub::GetReplicationStatus, req, &resp);
    if (!s.ok()) {
      *why = "GetReplicationStatus: " + s.error_message();
      return {};
    }
    std::map<int, int64_t> ends;
    for (const auto& flow : resp.flows()) {
      if (!flow.index_ready()) {
        *why = "index not ready";
        return {};
      }
      for (const auto& p : flow.partitions()) {
        if (p.source_topic() != o_.topic) continue;
        if (p.source_end_offset() < 0 || p.mirrored_source_end() < p.source_end_offset()) {
          *why = "partition " + std::to_string(p.partition()) + " mirrored to " +
                 std::to_string(p.mirrored_source_end()) + " of " + std::to_string(p.source_end_offset());
          return {};
        }
        ends[p.partition()] = p.mirrored_source_end();
      }
    }
    if (ends.empty()) *why = "no partitions of " + o_.topic + " in the replication status yet";
    return ends;
  }

  // The error of a TranslateGroup answer, empty when it is right.
  std::string CheckGroup(const grpc::Status& s, const v1::TranslateGroupResponse& r, size_t partitions) const {
    if (!s.ok()) return "status " + std::to_string(s.error_code()) + ": " + s.error_message();
    if (r.errors_size() > 0) return "per-partition error: " + r.errors(0).message();
    if (r.from_checkpoints()) return "answered from checkpoints";
    if (r.translations_size() == 0) return "no translations";
    if (partitions > 0 && static_cast<size_t>(r.translations_size()) != partitions) {
      return std::to_string(r.translations_size()) + " of " + std::to_string(partitions) + " partitions";
    }
    if (o_.expect_identity) {
      for (const auto& t : r.translations()) {
        if (t.target_offset() != t.source_offset()) {
          return "partition " + std::to_string(t.partition()) + ": " + std::to_string(t.source_offset()) + " -> " +
                 std::to_string(t.target_offset());
        }
      }
    }
    return "";
  }

  std::string CheckCheckpoints(const grpc::Status& s, const v1::ListCheckpointsResponse& r, size_t partitions) const {
    if (!s.ok()) return "status " + std::to_string(s.error_code()) + ": " + s.error_message();
    if (r.checkpoints_size() == 0) return "no checkpoints";
    if (partitions > 0 && static_cast<size_t>(r.checkpoints_size()) != partitions) {
      return std::to_string(r.checkpoints_size()) + " of " + std::to_string(partitions) + " partitions";
    }
    if (o_.expect_identity) {
      for (const auto& c : r.checkpoints()) {
        if (c.downstream_offset() != c.upstream_offset()) {
          return "partition " + std::to_string(c.partition()) + ": " + std::to_string(c.upstream_offset()) + " -> " +
                 std::to_string(c.downstream_offset());
        }
      }
    }
    return "";
  }

 private:
  const Options& o_;
  std::unique_ptr<v1::TranslationService::Stub> stub_;
};

int64_t Pct(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<int64_t>(rank - 1, 0, static_cast<int64_t>(sorted.size()) - 1);
  return sorted[static_cast<size_t>(rank)];
}

// Runs warmup + calls invocations of `one` (which returns an error text, empty when OK) and
// prints the summary line. Returns the number of wrong answers.
int Measure(const std::string& rpc, const Options& o, const std::function<std::string(int)>& one) {
  for (int i = 0; i < o.warmup; i++) one(i);
  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(o.calls));
  int errors = 0;
  const auto start = Clock::now();
  for (int i = 0; i < o.calls; i++) {
    const auto t0 = Clock::now();
    std::string err = one(o.warmup + i);
    const auto t1 = Clock::now();
    lat.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    if (!err.empty()) {
      if (errors < 3) std::fprintf(stderr, "ktranslate: %s: %s\n", rpc.c_str(), err.c_str());
      errors++;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(lat.begin(), lat.end());
  double mean = 0;
  for (int64_t v : lat) mean += static_cast<double>(v);
  mean /= static_cast<double>(lat.size());
  std::printf(
      "rpc=%s calls=%zu errors=%d p50_us=%lld p90_us=%lld p99_us=%lld max_us=%lld mean_us=%.0f calls_per_s=%.1f\n",
      rpc.c_str(), lat.size(), errors, static_cast<long long>(Pct(lat, 50)), static_cast<long long>(Pct(lat, 90)),
      static_cast<long long>(Pct(lat, 99)), static_cast<long long>(lat.back()), mean,
      static_cast<double>(lat.size()) / seconds);
  std::fflush(stdout);
  return errors;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  Client client(o);
  using Stub = v1::TranslationService::Stub;

  // ---- readiness
  std::map<int, int64_t> ends;
  const auto deadline = Clock::now() + std::chrono::seconds(o.wait_ready_s);
  std::string why;
  while (true) {
    why.clear();
    ends = client.MirroredEnds(&why);
    if (!ends.empty()) {
      for (const auto& g : o.groups) {
        v1::TranslateGroupRequest req;
        client.SetFlow(req.mutable_flow());
        req.set_group(g);
        v1::TranslateGroupResponse resp;
        std::string err = client.CheckGroup(client.Call(&Stub::TranslateGroup, req, &resp), resp, ends.size());
        if (err.empty()) {
          v1::ListCheckpointsRequest lreq;
          client.SetFlow(lreq.mutable_flow());
          lreq.set_group(g);
          v1::ListCheckpointsResponse lresp;
          err = client.CheckCheckpoints(client.Call(&Stub::ListCheckpoints, lreq, &lresp), lresp, ends.size());
        }
        if (!err.empty()) {
          why = "group " + g + ": " + err;
          break;
        }
      }
    }
    if (why.empty()) break;
    if (Clock::now() >= deadline) Die("API at " + o.api + " not ready: " + why);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::fprintf(stderr, "ktranslate: ready: %zu partitions of %s, %zu groups\n", ends.size(), o.topic.c_str(),
               o.groups.size());

  // Random (partition, offset) pairs below the mirrored end, drawn up front.
  std::mt19937_64 rng(o.seed);
  std::vector<std::pair<int, int64_t>> targets;
  std::vector<std::pair<int, int64_t>> parts(ends.begin(), ends.end());
  for (int i = 0; i < o.warmup + o.calls; i++) {
    const auto& [p, end] = parts[rng() % parts.size()];
    targets.emplace_back(p, end > 0 ? static_cast<int64_t>(rng() % static_cast<uint64_t>(end)) : 0);
  }

  int errors = 0;
  std::map<std::string, v1::TranslateGroupResponse> last;
  for (const std::string& rpc : o.rpcs) {
    if (rpc == "offset") {
      v1::TranslateOffsetRequest req;
      client.SetFlow(req.mutable_flow());
      req.set_topic(o.topic);
      errors += Measure("TranslateOffset", o, [&](int i) -> std::string {
        req.set_partition(targets[static_cast<size_t>(i)].first);
        req.set_offset(targets[static_cast<size_t>(i)].second);
        v1::TranslateOffsetResponse resp;
        grpc::Status s = client.Call(&Stub::TranslateOffset, req, &resp);
        if (!s.ok()) return "status " + std::to_string(s.error_code()) + ": " + s.error_message();
        const auto& t = resp.translation();
        if (t.kind() != v1::TRANSLATION_KIND_EXACT) return "kind " + v1::TranslationKind_Name(t.kind());
        if (o.expect_identity && t.target_offset() != req.offset()) {
          return "partition " + std::to_string(req.partition()) + ": " + std::to_string(req.offset()) + " -> " +
                 std::to_string(t.target_offset());
        }
        return "";
      });
    } else if (rpc == "group") {
      v1::TranslateGroupRequest req;
      client.SetFlow(req.mutable_flow());
      errors += Measure("TranslateGroup", o, [&](int i) -> std::string {
        const std::string& g = o.groups[static_cast<size_t>(i) % o.groups.size()];
        req.set_group(g);
        v1::TranslateGroupResponse resp;
        grpc::Status s = client.Call(&Stub::TranslateGroup, req, &resp);
        std::string err = client.CheckGroup(s, resp, ends.size());
        if (err.empty()) last[g] = std::move(resp);
        return err;
      });
    } else if (rpc == "checkpoints") {
      v1::ListCheckpointsRequest req;
      client.SetFlow(req.mutable_flow());
      errors += Measure("ListCheckpoints", o, [&](int i) -> std::string {
        req.set_group(o.groups[static_cast<size_t>(i) % o.groups.size()]);
        v1::ListCheckpointsResponse resp;
        return client.CheckCheckpoints(client.Call(&Stub::ListCheckpoints, req, &resp), resp, ends.size());
      });
    } else {
      Die("unknown rpc " + rpc + " (offset, group, checkpoints)");
    }
  }

  if (!o.dump.empty()) {
    std::ofstream out(o.dump);
    for (const auto& [g, resp] : last) {
      std::map<int, int64_t> by_partition;
      for (const auto& t : resp.translations()) by_partition[t.partition()] = t.target_offset();
      for (const auto& [p, off] : by_partition) out << g << '\t' << p << '\t' << off << '\n';
    }
    if (!last.empty()) {
      const auto& [g, resp] = *last.begin();
      std::map<int, const v1::OffsetTranslation*> by_partition;
      for (const auto& t : resp.translations()) by_partition[t.partition()] = &t;
      std::printf("offsets group=%s", g.c_str());
      for (const auto& [p, t] : by_partition) {
        std::printf(" %s-%d:%lld->%s:%lld", t->source_topic().c_str(), p, static_cast<long long>(t->source_offset()),
                    t->target_topic().c_str(), static_cast<long long>(t->target_offset()));
      }
      std::printf("\n");
    }
  }
  return errors == 0 ? 0 : 1;
}
