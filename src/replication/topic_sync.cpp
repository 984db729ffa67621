#include "replication/topic_sync.h"

#include <map>

#include <re2/re2.h>

#include "kmirror/common/logging.h"
#include "kmirror/common/strings.h"
#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::replication {
namespace {

constexpr std::chrono::milliseconds kAdminTimeout{30000};

}  // namespace

TopicSync::~TopicSync() = default;

Result<std::unique_ptr<TopicSync>> TopicSync::Create(const config::FlowConfig& flow,
                                                     std::shared_ptr<const NamingPolicy> naming,
                                                     std::shared_ptr<const TopicFilter> filter, RouteBoard* board) {
  std::unique_ptr<TopicSync> s(new TopicSync());
  s->flow_ = &flow;
  s->naming_ = std::move(naming);
  s->filter_ = std::move(filter);
  s->board_ = board;
  s->topics_ = FixedTopicSet(flow.refresh_topics);
  RE2::Options opts;
  opts.set_log_errors(false);
  for (const auto& p : flow.config_properties_exclude) {
    auto re = std::make_unique<RE2>(p, opts);
    if (!re->ok()) return InvalidArgument("config.properties.exclude pattern '" + p + "': " + re->error());
    s->config_exclude_.push_back(std::move(re));
  }
  auto src = kafka::Admin::Create(flow.source_admin, "kmirror-" + flow.Name() + "-source-admin");
  if (!src.ok()) return src.status();
  auto tgt = kafka::Admin::Create(flow.target_admin, "kmirror-" + flow.Name() + "-target-admin");
  if (!tgt.ok()) return tgt.status();
  s->source_ = std::move(src).value();
  s->target_ = std::move(tgt).value();
  return s;
}

std::vector<std::string> TopicSync::Select(const std::vector<kafka::TopicInfo>& topics) const {
  std::vector<std::string> out;
  for (const auto& t : topics) {
    if (Selects(t.name)) out.push_back(t.name);
  }
  return out;
}

bool TopicSync::Selects(const std::string& topic) const {
  return SelectsTopic(*naming_, *filter_, flow_->heartbeats_replication, flow_->target, topic);
}

bool TopicSync::ConfigExcluded(const std::string& name) const {
  for (const auto& re : config_exclude_) {
    if (RE2::FullMatch(name, *re)) return true;
  }
  return false;
}

Result<std::map<std::string, std::string>> TopicSync::SourceConfigs(const std::string& topic) {
  auto cfg = source_->DescribeTopicOverrides(topic, kAdminTimeout);
  if (!cfg.ok()) return cfg.status();
  std::map<std::string, std::string> out;
  for (auto& [k, v] : *cfg) {
    if (!ConfigExcluded(k)) out.emplace(k, v);
  }
  return out;
}

void TopicSync::EnsureHeartbeatsTopic(const kafka::ClusterInfo& source) {
  if (heartbeats_ready_.load()) return;
  const std::string topic(NamingPolicy::kHeartbeats);
  for (const auto& t : source.topics) {
    if (t.name == topic) {
      heartbeats_ready_.store(true, std::memory_order_release);
      return;
    }
  }
  // Compacted on the key (source, target alias): one live record per flow, so the topic
  // and its mirrors stay bounded however long the flows run.
  kafka::NewTopic nt{topic, 1, flow_->heartbeats_replication_factor, {{"cleanup.policy", "compact"}}};
  Status s = source_->CreateTopic(nt, kAdminTimeout);
  auto log = logging::Get("replication");
  if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
    if (s.ok()) log->info("{}: created topic {} on {} for heartbeats", flow_->Name(), topic, flow_->source);
    heartbeats_ready_.store(true, std::memory_order_release);
  } else if (warned_.insert("heartbeats").second) {
    log->error(
        "{}: cannot create the heartbeats topic on {}: {}; no heartbeats until it exists (set "
        "heartbeats.topic.replication.factor?)",
        flow_->Name(), flow_->source, s.ToString());
  }
}

bool TopicSync::EnsureOffsetSyncTopic(const kafka::ClusterInfo& target) {
  // Checked every round, not once: a log deleted while kmirror runs is created again (the
  // tasks' unacknowledged events are re-sent into it, the indexes keep what they applied).
  const std::string topic = wire::OffsetSyncTopic(flow_->source);
  for (const auto& t : target.topics) {
    if (t.name == topic) return offset_syncs_ready_ = true;
  }
  auto log = logging::Get("replication");
  if (offset_syncs_ready_) {
    log->error(
        "{}: the offset-sync log {} was deleted on {}: creating it again. Offset-sync events not yet "
        "acknowledged are written again; what every node's index applied stays (docs/reliability.md)",
        flow_->Name(), topic, flow_->target);
    offset_syncs_ready_ = false;
  }
  // The log is the source of truth for translation (the index is rebuilt from it): keep it.
  kafka::NewTopic nt{topic, 1, flow_->replication_factor, {{"retention.ms", "-1"}, {"cleanup.policy", "delete"}}};
  Status s = target_->CreateTopic(nt, kAdminTimeout);
  if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
    if (s.ok()) log->info("{}: created offset-sync log {} on {}", flow_->Name(), topic, flow_->target);
    return offset_syncs_ready_ = true;
  }
  if (warned_.insert("offset-syncs").second) {
    log->error(
        "{}: cannot create the offset-sync log {} on {}: {}; offsets of this flow cannot be translated "
        "until it exists",
        flow_->Name(), topic, flow_->target, s.ToString());
  }
  return false;
}

bool TopicSync::EnsureDeadLetterTopic(const kafka::ClusterInfo& target) {
  if (dead_letter_ready_) return true;
  const std::string topic = flow_->DeadLetterTopic();
  for (const auto& t : target.topics) {
    if (t.name == topic) return dead_letter_ready_ = true;
  }
  kafka::NewTopic nt{topic, 1, flow_->replication_factor, {}};
  Status s = target_->CreateTopic(nt, kAdminTimeout);
  auto log = logging::Get("replication");
  if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
    if (s.ok()) log->info("{}: created dead-letter topic {} on {}", flow_->Name(), topic, flow_->target);
    return dead_letter_ready_ = true;
  }
  if (warned_.insert("dead-letter").second) {
    log->error(
        "{}: cannot create the dead-letter topic {} on {}: {}; undeliverable records stop their partition "
        "until it exists",
        flow_->Name(), topic, flow_->target, s.ToString());
  }
  return false;
}

void TopicSync::FillMessageLimits(Routes& routes, bool refresh) {
  std::vector<std::string> ask;
  for (const auto& [topic, route] : routes) {
    if (route.target_partitions > 0 && (refresh || max_message_bytes_.count(route.remote_topic) == 0)) {
      ask.push_back(route.remote_topic);
    }
  }
  if (!ask.empty()) {
    auto limits = target_->DescribeTopicsConfig(ask, "max.message.bytes", kAdminTimeout);
    if (!limits.ok()) {
      logging::Get("replication")
          ->warn("{}: reading max.message.bytes of remote topics: {}; will retry", flow_->Name(),
                 limits.status().ToString());
    } else {
      for (const auto& [remote, value] : *limits) {
        if (auto v = ParseInteger(value); v && *v > 0) max_message_bytes_[remote] = *v;
      }
    }
  }
  for (auto& [topic, route] : routes) {
    auto it = max_message_bytes_.find(route.remote_topic);
    if (it != max_message_bytes_.end()) route.max_message_bytes = it->second;
  }
}

Status TopicSync::SyncConfigs(const std::string& topic, const std::string& remote) {
  auto wanted = SourceConfigs(topic);
  if (!wanted.ok()) return wanted.status();
  auto have = target_->DescribeTopicOverrides(remote, kAdminTimeout);
  if (!have.ok()) return have.status();
  const TopicConfigPlan plan =
      PlanTopicConfigs(*wanted, *have, [this](const std::string& name) { return ConfigExcluded(name); });
  if (!plan.changed()) return Status::Ok();
  if (!HoldsDuties()) return Status::Ok();  // lost the duties while reading: the holder copies them
  KM_RETURN_IF_ERROR(target_->ReplaceTopicOverrides(remote, plan.overrides, kAdminTimeout));
  logging::Get("replication")
      ->info("{}: synced configs of {} to {} on {}: set [{}], removed [{}]", flow_->Name(), topic, remote,
             flow_->target, fmt::join(plan.set, ", "), fmt::join(plan.removed, ", "));
  return Status::Ok();
}

Status TopicSync::SyncOnce() {
  auto log = logging::Get("replication");
  const std::string flow = flow_->Name();
  auto src = source_->Describe(kAdminTimeout);
  if (!src.ok()) return src.status().Annotate(flow + ": list source topics");
  auto tgt = target_->Describe(kAdminTimeout);
  if (!tgt.ok()) return tgt.status().Annotate(flow + ": list target topics");

  if (flow_->emit_heartbeats) {
    EnsureHeartbeatsTopic(*src);
    // Created now, it is in the next listing: with refresh.topics.enabled = false it must
    // still be one of the flow's topics, or the flow's own heartbeats would never arrive.
    topics_.Admit(std::string(NamingPolicy::kHeartbeats));
  }
  std::map<std::string, int> target_partitions;
  for (const auto& t : tgt->topics) target_partitions[t.name] = t.partitions;
  std::map<std::string, int> source_partitions;
  for (const auto& t : src->topics) source_partitions[t.name] = t.partitions;

  Status first_error;
  RouteTable table;
  table.source_cluster = wire::ClusterKeyOf(src->cluster_id);
  table.target_cluster = wire::ClusterKeyOf(tgt->cluster_id);
  if (table.source_cluster == table.target_cluster) {
    return Status(StatusCode::kFailedPrecondition, flow + ": " + flow_->source + " and " + flow_->target +
                                                       " are the same Kafka cluster (id " + src->cluster_id +
                                                       "); refusing to mirror a cluster onto itself");
  }
  table.source_cluster_id = src->cluster_id;
  table.target_cluster_id = tgt->cluster_id;
  table.offset_syncs_ready = EnsureOffsetSyncTopic(*tgt);
  Routes& routes = table.topics;
  for (auto& t : board_->TakeCreateRequests()) wanted_.insert(std::move(t));
  // Config sync is a duty: a node that does not hold the duties keeps its schedule for when
  // it does.
  const bool sync_configs =
      flow_->sync_topic_configs && std::chrono::steady_clock::now() >= next_config_sync_ && HoldsDuties();
  if (sync_configs) next_config_sync_ = std::chrono::steady_clock::now() + flow_->sync_topic_configs_interval;
  const bool first_listing = !flow_->refresh_topics && !topics_.fixed();
  const std::vector<std::string> topics = topics_.Apply(Select(src->topics));
  if (first_listing) {
    log->info("{}: refresh.topics.enabled = false: the flow mirrors these {} topic(s) until it restarts", flow,
              topics.size());
  } else if (topics_.fixed()) {
    for (const std::string& t : Select(src->topics)) {
      if (topics_.fixed()->count(t) == 0 && warned_.insert("fixed:" + t).second) {
        log->info("{}: source topic {} appeared after start-up; not mirrored (refresh.topics.enabled = false)", flow,
                  t);
      }
    }
  }
  for (const std::string& topic : topics) {
    const int partitions = source_partitions[topic];
    const std::string remote = naming_->RemoteTopic(flow_->source, topic);
    auto it = target_partitions.find(remote);
    if (it == target_partitions.end() && naming_->TopicSource(topic) && wanted_.count(topic) == 0) {
      // Already a remote topic on the source: created on demand (see Route).
      routes[topic] = {remote, 0};
      continue;
    }
    if (it == target_partitions.end() && !HoldsDuties()) {
      // The duty holder creates it; subscribed meanwhile, its records wait.
      routes[topic] = {remote, 0};
      continue;
    }
    if (it == target_partitions.end()) {
      std::map<std::string, std::string> configs;
      if (flow_->sync_topic_configs) {
        auto c = SourceConfigs(topic);
        if (!c.ok()) {
          log->warn("{}: reading configs of {}: {}; will retry", flow, topic, c.status().ToString());
          if (first_error.ok()) first_error = c.status();
          continue;
        }
        configs = std::move(c).value();
      }
      kafka::NewTopic nt{remote, partitions, flow_->replication_factor, configs};
      if (!HoldsDuties()) continue;  // lost them while reading the configs
      Status s = target_->CreateTopic(nt, kAdminTimeout);
      if (s.ok()) {
        log->info(
            "{}: created topic {} on {} ({} partitions, replication factor {}, {} configs copied)", flow, remote,
            flow_->target, partitions,
            flow_->replication_factor < 0 ? std::string("broker default") : std::to_string(flow_->replication_factor),
            configs.size());
        routes[topic] = {remote, partitions};
      } else if (s.code() == StatusCode::kAlreadyExists) {
        // Another node of this flow, or a person, created it in between: route next round
        // once metadata shows its partition count.
        log->info("{}: topic {} appeared on {} meanwhile", flow, remote, flow_->target);
        routes[topic] = {remote, 0};  // keep it subscribed; its partitions show next round
      } else {
        if (warned_.insert("create:" + remote).second) {
          log->error("{}: cannot create topic {} on {}: {}; its records wait until this is fixed", flow, remote,
                     flow_->target, s.ToString());
        }
        if (first_error.ok()) first_error = s;
      }
      continue;
    }
    warned_.erase("create:" + remote);
    if (sync_configs && HoldsDuties()) {
      Status c = SyncConfigs(topic, remote);
      if (!c.ok()) log->warn("{}: syncing configs of {}: {}", flow, remote, c.ToString());
    }
    int have = it->second;
    if (have < partitions && HoldsDuties()) {
      Status s = target_->CreatePartitions(remote, partitions, kAdminTimeout);
      if (s.ok()) {
        log->info("{}: grew topic {} on {} from {} to {} partitions", flow, remote, flow_->target, have, partitions);
        have = partitions;
      } else {
        log->error("{}: cannot grow topic {} to {} partitions: {}", flow, remote, partitions, s.ToString());
        if (first_error.ok()) first_error = s;
      }
    } else if (have > partitions && warned_.insert("more:" + remote).second) {
      log->warn("{}: {} has {} partitions on {} but {} on {}; records keep their partition numbers", flow, remote, have,
                flow_->target, partitions, flow_->source);
    }
    routes[topic] = {remote, have};
  }
  FillMessageLimits(routes, sync_configs);
  if (flow_->undeliverable == config::UndeliverableRecords::kDeadLetter) {
    table.dead_letter_ready = EnsureDeadLetterTopic(*tgt);
  }
  board_->Publish(std::move(table));
  return first_error;
}

}  // namespace kmirror::replication
