#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/client_rules.h"
#include "config_test_util.h"
#include "kmirror/config/settings.h"

namespace kmirror::config {
namespace {

TEST(ConfigDocsTest, CommittedReferenceMatchesTheRegistry) {
  std::ifstream in(testing::SourcePath("docs/configuration.md"), std::ios::binary);
  ASSERT_TRUE(in) << "docs/configuration.md is missing; create it with: kmirror config-docs > docs/configuration.md";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == RenderConfigurationDocs())
      << "docs/configuration.md is out of date with the settings registry; regenerate it with:\n"
         "  kmirror config-docs > docs/configuration.md";
}

TEST(ConfigDocsTest, EverySettingAndClientRuleIsDocumented) {
  std::string md = RenderConfigurationDocs();
  for (const auto& s : AllSettings()) {
    std::string shown = "`" + s.name + (s.family && s.name.back() == '.' ? "*" : "") + "`";
    EXPECT_NE(md.find(shown), std::string::npos) << shown;
  }
  for (const auto& row : ClientPropertyTable()) {
    EXPECT_NE(md.find("`" + row.java_name + "`"), std::string::npos) << row.java_name;
  }
}

}  // namespace
}  // namespace kmirror::config
