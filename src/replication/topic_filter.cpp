#include "kmirror/replication/topic_filter.h"

#include <re2/re2.h>

namespace kmirror::replication {

TopicFilter::~TopicFilter() = default;

Result<std::shared_ptr<const TopicFilter>> TopicFilter::Create(const std::vector<std::string>& include,
                                                               const std::vector<std::string>& exclude) {
  std::shared_ptr<TopicFilter> f(new TopicFilter());
  RE2::Options opts;
  opts.set_log_errors(false);
  auto compile = [&](const std::vector<std::string>& patterns, std::vector<std::unique_ptr<RE2>>& out) -> Status {
    for (const auto& p : patterns) {
      auto re = std::make_unique<RE2>(p, opts);
      if (!re->ok()) return InvalidArgument("topic pattern '" + p + "': " + re->error());
      out.push_back(std::move(re));
    }
    return Status::Ok();
  };
  KM_RETURN_IF_ERROR(compile(include, f->include_));
  KM_RETURN_IF_ERROR(compile(exclude, f->exclude_));
  return std::shared_ptr<const TopicFilter>(std::move(f));
}

bool TopicFilter::Matches(std::string_view topic) const {
  bool included = false;
  for (const auto& re : include_) {
    if (RE2::FullMatch(topic, *re)) {
      included = true;
      break;
    }
  }
  if (!included) return false;
  for (const auto& re : exclude_) {
    if (RE2::FullMatch(topic, *re)) return false;
  }
  return true;
}

}  // namespace kmirror::replication
