#include "config/properties.h"

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace kmirror::config {
namespace {

Properties Parse(std::string_view text) {
  auto p = ParseProperties(text, "test.properties");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : Properties();
}

std::string ValueOf(const Properties& p, std::string_view key) {
  const PropertyEntry* e = p.Find(key);
  return e == nullptr ? "<absent>" : e->value;
}

int LineOf(const Properties& p, std::string_view key) {
  const PropertyEntry* e = p.Find(key);
  return e == nullptr ? -1 : e->line;
}

TEST(PropertiesTest, AllThreeSeparatorsAndBareKeys) {
  Properties p = Parse("a=1\nb: 2\nc 3\nd\ne = \nf\t=\t6\ng :7\nh==8\n");
  EXPECT_EQ(ValueOf(p, "a"), "1");
  EXPECT_EQ(ValueOf(p, "b"), "2");
  EXPECT_EQ(ValueOf(p, "c"), "3");
  EXPECT_EQ(ValueOf(p, "d"), "");
  EXPECT_EQ(ValueOf(p, "e"), "");
  EXPECT_EQ(ValueOf(p, "f"), "6");
  EXPECT_EQ(ValueOf(p, "g"), "7");
  EXPECT_EQ(ValueOf(p, "h"), "=8");  // only the first '=' separates
}

TEST(PropertiesTest, CommentsAndBlankLines) {
  Properties p = Parse("# comment\n! also a comment\n   # indented comment\n\n   \nkey = value # not a comment\n");
  ASSERT_EQ(p.entries().size(), 1u);
  EXPECT_EQ(ValueOf(p, "key"), "value # not a comment");
  EXPECT_EQ(LineOf(p, "key"), 6);
}

TEST(PropertiesTest, ValuesAreTrimmedAtBothEndsButEscapedBlanksStay) {
  Properties p = Parse("a =   spaced out   \nb = keep\\ \nc=\\ lead\n");
  EXPECT_EQ(ValueOf(p, "a"), "spaced out");
  EXPECT_EQ(ValueOf(p, "b"), "keep ");
  EXPECT_EQ(ValueOf(p, "c"), " lead");
}

TEST(PropertiesTest, BackslashContinuesTheLineAndLeadingBlanksOfTheNextAreDropped) {
  Properties p = Parse("topics = a, \\\n         b, \\\n    c\nnext = 1\n");
  EXPECT_EQ(ValueOf(p, "topics"), "a, b, c");
  EXPECT_EQ(LineOf(p, "topics"), 1);
  EXPECT_EQ(LineOf(p, "next"), 4);
}

TEST(PropertiesTest, EvenBackslashesDoNotContinue) {
  Properties p = Parse("path = c:\\\\\nnext = 1\n");
  EXPECT_EQ(ValueOf(p, "path"), "c:\\");
  EXPECT_EQ(ValueOf(p, "next"), "1");
}

TEST(PropertiesTest, ContinuationLineStartingWithHashIsData) {
  Properties p = Parse("a = x\\\n  #y\n");
  EXPECT_EQ(ValueOf(p, "a"), "x#y");
}

TEST(PropertiesTest, CommentLinesDoNotContinue) {
  Properties p = Parse("# comment \\\na = 1\n");
  EXPECT_EQ(ValueOf(p, "a"), "1");
}

TEST(PropertiesTest, BackslashAtEndOfFile) {
  Properties p = Parse("a = x\\");
  EXPECT_EQ(ValueOf(p, "a"), "x");
}

TEST(PropertiesTest, Escapes) {
  Properties p = Parse(
      "tab = a\\tb\nnl = a\\nb\nu = \\u0041\\u00e9\\u4e2d\nemoji = \\uD83D\\uDE00\nother = \\q\\=\\:\\#\n"
      "key\\ with\\ spaces = 1\nkey\\=eq = 2\nkey\\:colon = 3\n");
  EXPECT_EQ(ValueOf(p, "tab"), "a\tb");
  EXPECT_EQ(ValueOf(p, "nl"), "a\nb");
  EXPECT_EQ(ValueOf(p, "u"), "A\xC3\xA9\xE4\xB8\xAD");
  EXPECT_EQ(ValueOf(p, "emoji"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(ValueOf(p, "other"), "q=:#");
  EXPECT_EQ(ValueOf(p, "key with spaces"), "1");
  EXPECT_EQ(ValueOf(p, "key=eq"), "2");
  EXPECT_EQ(ValueOf(p, "key:colon"), "3");
}

TEST(PropertiesTest, MalformedUnicodeEscapeIsAnErrorWithItsLine) {
  auto p = ParseProperties("a = 1\nb = \\u12G4\n", "x.properties");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("x.properties:2:"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("\\uXXXX"), std::string::npos);

  auto lone = ParseProperties("a = \\uD83D\n", "x.properties");
  EXPECT_FALSE(lone.ok());
}

TEST(PropertiesTest, LineEndingsCrLfAndCr) {
  Properties p = Parse("a=1\r\nb=2\rc=3\n\nd=4");
  EXPECT_EQ(ValueOf(p, "a"), "1");
  EXPECT_EQ(ValueOf(p, "b"), "2");
  EXPECT_EQ(ValueOf(p, "c"), "3");
  EXPECT_EQ(LineOf(p, "c"), 3);
  EXPECT_EQ(LineOf(p, "d"), 5);
}

TEST(PropertiesTest, Utf8PassesThroughAndBomIsSkipped) {
  Properties p = Parse("\xEF\xBB\xBF# \xE6\xB3\xA8\xE9\x87\x8A\nname = \xE9\x9B\x86\xE7\xBE\xA4\n");
  ASSERT_EQ(p.entries().size(), 1u);
  EXPECT_EQ(ValueOf(p, "name"), "\xE9\x9B\x86\xE7\xBE\xA4");
}

TEST(PropertiesTest, DuplicateKeysLastWinsAndAreRemembered) {
  Properties p = Parse("a = 1\nb = x\na = 2\n");
  EXPECT_EQ(ValueOf(p, "a"), "2");
  EXPECT_EQ(LineOf(p, "a"), 3);
  ASSERT_EQ(p.duplicates().size(), 1u);
  EXPECT_EQ(p.duplicates()[0].key, "a");
  EXPECT_EQ(p.duplicates()[0].first_line, 1);
  EXPECT_EQ(p.duplicates()[0].line, 3);
  // Order of first appearance is kept.
  ASSERT_EQ(p.entries().size(), 2u);
  EXPECT_EQ(p.entries()[0].key, "a");
}

TEST(PropertiesTest, KeysAreTrimmedAndBlankKeysKept) {
  Properties p = Parse("\\ padded\\  = 1\n= orphan\n");
  EXPECT_EQ(ValueOf(p, "padded"), "1");
  EXPECT_EQ(ValueOf(p, ""), "orphan");
}

TEST(PropertiesTest, ReadFileErrors) {
  testing::TempDir dir;
  auto missing = ReadPropertiesFile(dir.Path("nope.properties"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.properties"), std::string::npos);

  auto directory = ReadPropertiesFile(dir.Path(""));
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), StatusCode::kInvalidArgument);

  std::string path = dir.Write("ok.properties", "a = 1\n");
  auto ok = ReadPropertiesFile(path);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->file(), path);
  EXPECT_EQ(ValueOf(*ok, "a"), "1");
}

}  // namespace
}  // namespace kmirror::config
