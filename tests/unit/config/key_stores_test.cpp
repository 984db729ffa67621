#include "config/key_stores.h"

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace kmirror::config {
namespace {

TEST(KeyStoresTest, TheFileItselfTellsItsFormat) {
  testing::TempDir dir;
  EXPECT_EQ(SniffStore(dir.Write("a.jks", std::string("\xFE\xED\xFE\xED", 4) + "rest")), StoreFormat::kJks);
  EXPECT_EQ(SniffStore(dir.Write("a.jceks", std::string("\xCE\xCE\xCE\xCE", 4))), StoreFormat::kJks);
  EXPECT_EQ(SniffStore(dir.Write("a.p12", std::string("\x30\x82\x0A\x0B", 4))), StoreFormat::kPkcs12);
  EXPECT_EQ(SniffStore(dir.Write("a.pem", "Bag Attributes\n-----BEGIN CERTIFICATE-----\nMII...\n")), StoreFormat::kPem);
  EXPECT_EQ(SniffStore(dir.Write("a.txt", "hello")), StoreFormat::kUnknown);
  EXPECT_EQ(SniffStore(dir.Write("empty", "")), StoreFormat::kUnknown);
  EXPECT_EQ(SniffStore(dir.Path("missing.jks")), StoreFormat::kMissing);
}

TEST(KeyStoresTest, PemMarkerCountsOnlyNearTheStart) {
  testing::TempDir dir;
  // Only the first 512 bytes are read: a marker further in does not make a file PEM.
  EXPECT_EQ(SniffStore(dir.Write("late.pem", std::string(600, 'x') + "-----BEGIN CERTIFICATE-----")),
            StoreFormat::kUnknown);
}

}  // namespace
}  // namespace kmirror::config
