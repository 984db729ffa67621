#include "kmirror/common/strings.h"

#include <gtest/gtest.h>

namespace kmirror {
namespace {

TEST(Trim, DropsBlanksAtBothEndsOnly) {
  EXPECT_EQ(Trim(" \ta b\t "), "a b");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \t "), "");
  // Only the given characters: properties-file blanks by default, newlines are kept.
  EXPECT_EQ(Trim("\n x \n"), "\n x \n");
  EXPECT_EQ(Trim("\r\n x \n", " \r\n"), "x");
}

TEST(CaseConversion, ChangesAsciiLettersOnly) {
  EXPECT_EQ(ToLower("SASL_SSL-256"), "sasl_ssl-256");
  EXPECT_EQ(ToUpper("sasl_ssl-256"), "SASL_SSL-256");
  // UTF-8 bytes pass through untouched.
  EXPECT_EQ(ToLower("\xC3\x84"
                    "Bc"),
            "\xC3\x84"
            "bc");
  EXPECT_EQ(ToUpper("\xC3\xA4"
                    "bC"),
            "\xC3\xA4"
            "BC");
  EXPECT_EQ(ToLower(""), "");
}

TEST(ParseInteger, AcceptsASignedDecimalSurroundedByBlanks) {
  EXPECT_EQ(ParseInteger(" 42 "), 42);
  EXPECT_EQ(ParseInteger("\t-1"), -1);
  EXPECT_EQ(ParseInteger("+3"), 3);
  EXPECT_EQ(ParseInteger("0"), 0);
  EXPECT_EQ(ParseInteger("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInteger("-9223372036854775808"), INT64_MIN);
}

TEST(ParseInteger, RefusesEverythingElse) {
  for (const char* text :
       {"", " ", "-", "+", "4.2", "1e3", "0x10", "12a", "1 2", "--1", "9223372036854775808", "-9223372036854775809"}) {
    EXPECT_FALSE(ParseInteger(text).has_value()) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace kmirror
