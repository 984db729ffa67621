// Issue 14's audit of every accepted key: a supported setting names the tests that show its
// effect (SettingSpec::evidence) and those tests exist; any other setting says why kmirror does
// not act on it, and that reason reaches the user when the key is written.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config_test_util.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/config/settings.h"

namespace kmirror::config {
namespace {

using testing::LogCapture;
using testing::SourcePath;

// Every GoogleTest test defined under tests/ ("Suite.Name" -> the text of its file). Scanned
// at run time, not listed, so a renamed or deleted test fails the audit instead of leaving a
// stale name in the registry. Broker tests count too: they are not in this binary.
struct TestSources {
  std::map<std::string, std::string> file_of;  // "Suite.Name" -> path relative to tests/
  std::map<std::string, std::string> text_of;  // path -> contents
};

const TestSources& ScanTests() {
  static const TestSources sources = [] {
    TestSources s;
    const std::filesystem::path root = SourcePath("tests");
    const std::regex test_macro(R"(^\s*TEST(?:_F|_P)?\(\s*(\w+)\s*,\s*(\w+)\s*\))");
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      const std::string rel = std::filesystem::relative(entry.path(), root).string();
      std::istringstream lines(text.str());
      for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, test_macro)) s.file_of[m[1].str() + "." + m[2].str()] = rel;
      }
      s.text_of[rel] = text.str();
    }
    return s;
  }();
  return sources;
}

TEST(SettingsAuditTest, TheScanFindsTheTestsOfThisFile) {
  // Guards the scan itself: if it found nothing (a moved tests/ folder, a changed macro style)
  // every "missing test" message below would be misleading.
  const auto& tests = ScanTests();
  EXPECT_EQ(tests.file_of.count("SettingsAuditTest.TheScanFindsTheTestsOfThisFile"), 1u);
  EXPECT_EQ(tests.file_of.count("Mm2LoaderTest.MinimalFlowGetsMm2Defaults"), 1u);
  EXPECT_EQ(tests.file_of.count("NoSuchSuite.NoSuchTest"), 0u);
  EXPECT_GT(tests.file_of.size(), 300u);
}

TEST(SettingsAuditTest, EverySupportedSettingNamesExistingTestsThatShowItsEffect) {
  const auto& tests = ScanTests();
  std::vector<std::string> missing;  // one line per problem, all reported together
  for (const auto& s : AllSettings()) {
    if (s.status != SettingStatus::kSupported) {
      if (!s.evidence.empty() || !s.evidence_note.empty())
        missing.push_back(s.name + ": not supported, so it has no evidence; its help says why");
      continue;
    }
    if (s.evidence.empty()) {
      missing.push_back(s.name + ": supported but names no test showing its effect (SettingSpec::evidence)");
      continue;
    }
    for (const auto& name : s.evidence) {
      auto it = tests.file_of.find(name);
      if (it == tests.file_of.end()) {
        missing.push_back(s.name + ": evidence " + name + " is not a TEST/TEST_F/TEST_P under tests/");
        continue;
      }
      if (name.find(".DISABLED_") != std::string::npos) {
        missing.push_back(s.name + ": evidence " + name + " is disabled, so it shows nothing");
        continue;
      }
      // The key in the test's file ties the test to the setting; where a test drives the
      // resolved value instead (a pure function, a family's members), evidence_note says so.
      if (s.evidence_note.empty() && tests.text_of.at(it->second).find(s.name) == std::string::npos) {
        missing.push_back(s.name + ": " + it->second + " (" + name +
                          ") never mentions the key; name another test or explain in evidence_note");
      }
    }
  }
  std::string all;
  for (const auto& m : missing) all += "  " + m + "\n";
  EXPECT_TRUE(missing.empty()) << missing.size() << " settings lack evidence:\n" << all;
}

TEST(SettingsAuditTest, ExceptionsToTheKeyInTheTestsFileAreFewAndExplained) {
  // evidence_note is an escape hatch, not a second way of declaring evidence.
  size_t notes = 0;
  for (const auto& s : AllSettings()) {
    if (s.evidence_note.empty()) continue;
    ++notes;
    EXPECT_GE(s.evidence_note.size(), 20u) << s.name << ": a note must say why the key is not in the test's file";
  }
  EXPECT_LE(notes, 12u) << "too many settings whose tests do not mention them";
}

TEST(SettingsAuditTest, EverySettingKmirrorDoesNotActOnSaysWhy) {
  for (const auto& s : AllSettings()) {
    if (s.status == SettingStatus::kSupported) continue;
    // Help texts of these settings follow "not needed by kmirror: " / "not implemented yet: "
    // in the log line, so a reason of a few words is the minimum that tells the user anything.
    EXPECT_GE(s.help.size(), 15u) << s.name << " has no reason in its help";
  }
}

// A value `spec` accepts, for writing the key in a file.
std::string AcceptedValue(const SettingSpec& spec) {
  if (!spec.default_value.empty()) return spec.default_value;
  if (!spec.allowed.empty()) return spec.allowed.front();
  switch (spec.type) {
    case SettingType::kList:
    case SettingType::kRegexList:
      return "";  // transforms / predicates accept only an empty list
    default:
      return "x";
  }
}

TEST(SettingsAuditTest, TheReasonOfEverySettingKmirrorDoesNotActOnIsShownWhenItIsWritten) {
  // What `kmirror run` and `kmirror check` log for the key: the user who wrote it learns why
  // it changes nothing, not only that it was accepted.
  testing::TempDir dir;
  for (const auto& s : AllSettings()) {
    if (s.status == SettingStatus::kSupported) continue;
    // A family's member: `offset.storage.x`, `key.converter.x` (families not ending in '.'
    // are a key and its sub-keys).
    const std::string key = !s.family ? s.name : s.name + (s.name.back() == '.' ? "x" : ".x");
    std::string written;
    if (s.scopes & kTopLevel) {
      written = key;
    } else if (s.scopes & kPerFlow) {
      written = "A->B." + key;
    } else {
      written = "A." + key;
    }
    LogCapture log;
    LoadMm2Properties(dir.Write("mm2.properties",
                                "clusters = A, B\nA.bootstrap.servers = a:1\n"
                                "B.bootstrap.servers = b:1\nA->B.enabled = true\n" +
                                    written + " = " + AcceptedValue(s) + "\n"));
    const char* level = s.status == SettingStatus::kPlanned ? "warning" : "info";
    auto lines = log.Lines(level, "mm2.properties:5: " + written + ": ");
    ASSERT_EQ(lines.size(), 1u) << s.name << "\n" << log.text();
    EXPECT_NE(lines[0].find(s.help), std::string::npos) << s.name << ": the reason is not shown\n" << lines[0];
  }
}

}  // namespace
}  // namespace kmirror::config
