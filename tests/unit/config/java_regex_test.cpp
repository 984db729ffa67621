#include "config/java_regex.h"

#include <gtest/gtest.h>

namespace kmirror::config {
namespace {

TEST(JavaRegexTest, PatternsThatMeanTheSameInRe2AreAccepted) {
  for (const char* p : {".*",
                        "prod.*.global$",
                        "^(clusterA|clusterB).*heartbeats$",
                        R"(.*[\-\.]internal)",
                        R"(.*\.replica)",
                        "__.*",
                        "a{1,3}",
                        "a{2}",
                        "a{2,}",
                        "[a-z]+?",
                        R"(\Qa.b\E)",
                        "(?i)foo",
                        "a}+",
                        "[]a]",
                        "[^]a]",
                        "(?:ab)+",
                        R"(\d+)",
                        "(?P<name>x)",
                        R"(\p{Greek}+)",
                        R"(\x{41})",
                        R"(a\{b)"}) {
    EXPECT_TRUE(CheckJavaRegex(p).ok()) << p << ": " << CheckJavaRegex(p).ToString();
  }
}

struct Rejected {
  const char* pattern;
  const char* mentions;
};

class JavaOnlyTest : public ::testing::TestWithParam<Rejected> {};

TEST_P(JavaOnlyTest, IsRejectedWithTheReason) {
  Status s = CheckJavaRegex(GetParam().pattern);
  ASSERT_FALSE(s.ok()) << GetParam().pattern;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(GetParam().mentions), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(GetParam().pattern), std::string::npos) << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    Constructs, JavaOnlyTest,
    ::testing::Values(Rejected{"(?!internal).*", "lookahead"}, Rejected{"(?=a)a", "lookahead"},
                      Rejected{"(?<=x)y", "lookbehind"}, Rejected{"(?<!x)y", "lookbehind"},
                      Rejected{"(a)\\1", "backreference"}, Rejected{"(?<n>a)\\k<n>", "named group"},
                      Rejected{"a++", "possessive"}, Rejected{"a*+b", "possessive"}, Rejected{"a{2}+", "possessive"},
                      Rejected{"(?>ab)", "atomic group"}, Rejected{"[a-z&&[^x]]", "intersection"},
                      Rejected{"[a[bc]]", "nested"}, Rejected{"[[:alpha:]]", "nested"}, Rejected{"topic\\Z", "\\Z"},
                      Rejected{"\\Gx", "\\G"}, Rejected{"(?x)a b", "inline flag"},
                      Rejected{"\\p{javaLowerCase}", "java.lang.Character"}, Rejected{"\\u0041", "\\x{XXXX}"},
                      Rejected{"\\h", "horizontal"}, Rejected{"x{y", "repetition"}, Rejected{"a{1", "repetition"}));

TEST(JavaRegexTest, SyntaxErrorsCarryRe2sMessage) {
  Status s = CheckJavaRegex("(unclosed");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a valid regular expression"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("missing )"), std::string::npos) << s.message();
}

TEST(JavaRegexTest, JavaPosixPropertyNamesGetAHint) {
  Status s = CheckJavaRegex("\\p{Alpha}+");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("[a-zA-Z]"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kmirror::config
