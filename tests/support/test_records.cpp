// Printing and comparing test records (test_records.h).
#include "support/test_records.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace kmirror::test {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

std::string Printable(const std::optional<std::string>& s) {
  if (!s) return "null";
  std::ostringstream os;
  os << '"';
  const std::size_t limit = 200;
  for (std::size_t i = 0; i < s->size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>((*s)[i]);
    if (c == '"' || c == '\\') {
      os << '\\' << c;
    } else if (c >= 0x20 && c < 0x7f) {
      os << c;
    } else {
      os << "\\x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(c) << std::dec;
    }
  }
  if (s->size() > limit) os << "...(" << s->size() << " bytes)";
  os << '"';
  return os.str();
}

std::string PrintableHeaders(const std::vector<Header>& headers) {
  std::string out = "{";
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0) out += ", ";
    out += Printable(headers[i].first) + ": " + Printable(headers[i].second);
  }
  return out + "}";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, TimestampType t) {
  switch (t) {
    case TimestampType::kNotAvailable:
      return os << "NotAvailable";
    case TimestampType::kCreateTime:
      return os << "CreateTime";
    case TimestampType::kLogAppendTime:
      return os << "LogAppendTime";
  }
  return os << "?";
}

void PrintTo(const Record& r, std::ostream* os) {
  *os << "Record{p=" << r.partition << " key=" << Printable(r.key) << " value=" << Printable(r.value)
      << " headers=" << PrintableHeaders(r.headers) << " ts=" << r.timestamp_ms << "}";
}

void PrintTo(const ConsumedRecord& r, std::ostream* os) {
  *os << "ConsumedRecord{p=" << r.partition << " offset=" << r.offset << " key=" << Printable(r.key)
      << " value=" << Printable(r.value) << " headers=" << PrintableHeaders(r.headers) << " ts=" << r.timestamp_ms
      << " " << r.timestamp_type << "}";
}

AssertionResult SameRecords(const std::vector<Record>& produced, const std::vector<ConsumedRecord>& consumed) {
  const std::size_t n = std::min(produced.size(), consumed.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Record& p = produced[i];
    const ConsumedRecord& c = consumed[i];
    std::string field;
    if (p.partition != c.partition) {
      field = "partition";
    } else if (p.key != c.key) {
      field = "key";
    } else if (p.value != c.value) {
      field = "value";
    } else if (p.headers != c.headers) {
      field = "headers";
    } else if (p.timestamp_ms != 0 && p.timestamp_ms != c.timestamp_ms) {
      field = "timestamp";
    }
    if (!field.empty()) {
      std::ostringstream pe, ce;
      PrintTo(p, &pe);
      PrintTo(c, &ce);
      return AssertionFailure() << "record #" << i << " differs in " << field << "\n  expected: " << pe.str()
                                << "\n  actual:   " << ce.str();
    }
  }
  if (produced.size() != consumed.size()) {
    return AssertionFailure() << "expected " << produced.size() << " records, got " << consumed.size() << " (the first "
                              << n << " match)";
  }
  return AssertionSuccess();
}

std::vector<Record> MakeRecords(int count, int partitions, std::string_view prefix) {
  std::vector<Record> records;
  records.reserve(static_cast<std::size_t>(std::max(count, 0)));
  const std::string p(prefix);
  for (int i = 0; i < count; ++i) {
    Record r;
    r.partition = partitions > 0 ? i % partitions : 0;
    r.key = p + "-key-" + std::to_string(i);
    r.value = p + "-value-" + std::to_string(i);
    r.headers = {{"i", std::to_string(i)}};
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace kmirror::test
