#include "replication/offset_sync_emitter.h"

#include <utility>

#include "kmirror/wire/offset_sync_event.h"

namespace kmirror::replication {

OffsetSyncEmitter::OffsetSyncEmitter(std::string source_alias, std::string target_alias, std::string writer)
    : source_alias_(std::move(source_alias)),
      target_alias_(std::move(target_alias)),
      writer_(std::move(writer)),
      topic_(wire::OffsetSyncTopic(source_alias_)) {}

OffsetSyncEmitter::Record OffsetSyncEmitter::Build(const offsets::OffsetSyncRun& run, const RouteTable& routes,
                                                   int64_t written_at_ms) const {
  auto route = routes.topics.find(run.partition->topic);
  const std::string target_topic = route != routes.topics.end() ? route->second.remote_topic : std::string();
  const wire::OffsetSyncWriterInfo info{source_alias_, target_alias_, routes.source_cluster_id,
                                        routes.target_cluster_id, writer_};
  return {wire::OffsetSyncRecordKey(*run.partition),
          wire::SerializeOffsetSyncEvent(wire::MakeOffsetSyncEvent(info, target_topic, run, written_at_ms))};
}

}  // namespace kmirror::replication
