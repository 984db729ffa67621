#include "support/translation_checker.h"

#include <set>
#include <sstream>

namespace kmirror::test {
namespace {

constexpr std::size_t kExamples = 5;

void Note(std::vector<std::string>& examples, const std::string& text) {
  if (examples.size() < kExamples) examples.push_back(text);
}

}  // namespace

TranslationResult CheckTranslation(const std::string& group, const TopicContents& source, const TopicContents& copy,
                                   const std::map<int32_t, int64_t>& committed,
                                   const std::map<int32_t, int64_t>& translated) {
  TranslationResult result{.group = group};
  for (const auto& [partition, offset] : committed) {
    auto t = translated.find(partition);
    if (t == translated.end()) {
      result.errors.push_back(source.topic + "[" + std::to_string(partition) + "] committed at " +
                              std::to_string(offset) + " has no translation");
      continue;
    }
    TranslationReport rep{.partition = partition, .committed = offset, .translated = t->second};
    std::set<Stamp> read, unread;
    std::optional<Stamp> first_unread;
    for (const auto& r : source.records) {
      if (r.partition != partition || !r.stamp) continue;
      if (r.offset < offset) {
        read.insert(*r.stamp);
      } else {
        if (!first_unread) first_unread = *r.stamp;
        unread.insert(*r.stamp);
      }
    }
    std::set<Stamp> copied, visible;  // visible: copied at or after the translated offset
    for (const auto& r : copy.records) {
      if (r.partition != partition || !r.stamp) continue;
      copied.insert(*r.stamp);
      if (first_unread && *r.stamp == *first_unread && !rep.exact) rep.exact = r.offset;
      if (r.offset < rep.translated) continue;
      visible.insert(*r.stamp);
      if (read.contains(*r.stamp)) ++rep.reread;
    }
    for (const auto& s : unread) {
      if (!copied.contains(s)) {
        ++rep.unmirrored;
      } else if (!visible.contains(s)) {
        if (rep.skipped++ == 0) Note(rep.examples, "first skipped: " + s.ToString());
      }
    }
    result.skipped += rep.skipped;
    result.reread += rep.reread;
    result.unmirrored += rep.unmirrored;
    result.partitions.push_back(std::move(rep));
  }
  return result;
}

std::string TranslationResult::Summary() const {
  std::ostringstream out;
  out << "group " << group << ": skipped " << skipped << ", re-read " << reread << ", unmirrored " << unmirrored;
  for (const auto& e : errors) out << "\n  error: " << e;
  for (const auto& p : partitions) {
    out << "\n  [" << p.partition << "] committed " << p.committed << " -> translated " << p.translated << " (exact "
        << (p.exact ? std::to_string(*p.exact) : "-") << "): skipped " << p.skipped << ", re-read " << p.reread;
    if (p.unmirrored) out << ", unmirrored " << p.unmirrored;
    for (const auto& e : p.examples) out << "\n    " << e;
  }
  return out.str();
}

::testing::AssertionResult NothingSkipped(const TranslationResult& r) {
  if (r.skipped == 0 && r.errors.empty() && r.unmirrored == 0 && !r.partitions.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "translation skips records (or the copy is incomplete: unmirrored): "
                                       << r.Summary();
}

::testing::AssertionResult RereadAtMost(const TranslationResult& r, int64_t bound) {
  if (r.reread <= bound) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.reread << " records re-read, more than " << bound << ": " << r.Summary();
}

}  // namespace kmirror::test
