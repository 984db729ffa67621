#include "config/config_providers.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "config_test_util.h"
#include "kmirror/config/mirror_config.h"

namespace kmirror::config {
namespace {

using testing::FindProblem;
using testing::LogCapture;
using testing::ProblemsOf;

constexpr const char* kProviders =
    "config.providers = file, env, dir\n"
    "config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider\n"
    "config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
    "config.providers.dir.class = org.apache.kafka.common.config.provider.DirectoryConfigProvider\n"
    "clusters = A, B\n"
    "A.bootstrap.servers = a1:9092\n"
    "B.bootstrap.servers = b1:9092\n"
    "A->B.enabled = true\n";

// Sets an environment variable for the test's duration.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

class ConfigProvidersTest : public ::testing::Test {
 protected:
  MirrorConfig Load(const std::string& text) { return LoadMm2Properties(dir_.Write("mm2.properties", text)); }
  std::vector<ConfigProblem> Fail(const std::string& text) {
    std::string path = dir_.Write("mm2.properties", text);
    return ProblemsOf([&] { LoadMm2Properties(path); });
  }
  // Resolves `text` without the rest of the loader.
  Properties Resolve(const std::string& text, Diagnostics& diag) {
    auto props = ParseProperties(text, "mm2.properties");
    EXPECT_TRUE(props.ok());
    return ResolveConfigProviders(*props, diag);
  }

  testing::TempDir dir_;
};

TEST_F(ConfigProvidersTest, FileEnvAndDirPlaceholdersResolveInClientProperties) {
  std::string secrets = dir_.Write("secrets.properties", "a.password = s3cret-file\n");
  std::filesystem::create_directory(dir_.Path("k8s"));
  dir_.Write("k8s/b-password", "s3cret-dir");
  ScopedEnv env("KMIRROR_TEST_USER", "alice");
  MirrorConfig c = Load(std::string(kProviders) +
                        "A.security.protocol = SASL_PLAINTEXT\n"
                        "A.sasl.mechanism = PLAIN\n"
                        "A.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
                        "username=\"${env:KMIRROR_TEST_USER}\" password=\"${file:" +
                        secrets +
                        ":a.password}\";\n"
                        "B.security.protocol = SASL_PLAINTEXT\n"
                        "B.sasl.mechanism = PLAIN\n"
                        "B.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
                        "username=\"bob\" password=\"${dir:" +
                        dir_.Path("k8s") + ":b-password}\";\n");
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].source_consumer.at("sasl.username"), "alice");
  EXPECT_EQ(c.flows[0].source_consumer.at("sasl.password"), "s3cret-file");
  EXPECT_EQ(c.flows[0].target_producer.at("sasl.password"), "s3cret-dir");
}

TEST_F(ConfigProvidersTest, PlaceholdersResolveInAnyValueAndSeveralPerValue) {
  ScopedEnv host("KMIRROR_TEST_HOST", "a9");
  ScopedEnv port("KMIRROR_TEST_PORT", "9093");
  ScopedEnv tasks("KMIRROR_TEST_TASKS", "3");
  MirrorConfig c = Load(std::string(kProviders) +
                        "A.bootstrap.servers = ${env:KMIRROR_TEST_HOST}:${env::KMIRROR_TEST_PORT}\n"
                        "tasks.max = ${env:KMIRROR_TEST_TASKS}\n");
  EXPECT_EQ(c.flows[0].source_consumer.at("bootstrap.servers"), "a9:9093");
  EXPECT_EQ(c.flows[0].tasks, 3);
}

TEST_F(ConfigProvidersTest, DirProviderKeepsTheFileContentExactly) {
  std::filesystem::create_directory(dir_.Path("d"));
  dir_.Write("d/p", "line one\nline two\n");
  Diagnostics diag;
  Properties p = Resolve(std::string(kProviders) + "x = <${dir:" + dir_.Path("d") + ":p}>\n", diag);
  EXPECT_FALSE(diag.has_problems());
  EXPECT_EQ(p.Find("x")->value, "<line one\nline two\n>");
}

TEST_F(ConfigProvidersTest, MissingFileKeyVariableAndDirFileNameThePlaceholderNotTheValue) {
  std::string secrets = dir_.Write("secrets.properties", "other = the-other-secret\n");
  std::filesystem::create_directory(dir_.Path("d"));
  auto problems = Fail(std::string(kProviders) + "A.sasl.password = ${file:" + secrets +
                       ":a.password}\n"
                       "B.sasl.password = ${file:/nonexistent/kmirror.properties:b}\n"
                       "A.sasl.username = ${env:KMIRROR_TEST_SURELY_UNSET}\n"
                       "B.sasl.username = ${dir:" +
                       dir_.Path("d") + ":missing}\n");
  const ConfigProblem* key = FindProblem(problems, "no key 'a.password' in " + secrets);
  ASSERT_NE(key, nullptr) << testing::AllText(problems);
  EXPECT_EQ(key->key, "A.sasl.password");
  EXPECT_EQ(key->line, 9);
  EXPECT_NE(key->message.find("${file:" + secrets + ":a.password}"), std::string::npos) << key->message;
  EXPECT_NE(FindProblem(problems, "/nonexistent/kmirror.properties: no such file"), nullptr);
  EXPECT_NE(FindProblem(problems, "environment variable KMIRROR_TEST_SURELY_UNSET is not set"), nullptr);
  EXPECT_NE(FindProblem(problems, "missing: no such file"), nullptr);
  EXPECT_EQ(testing::AllText(problems).find("the-other-secret"), std::string::npos);
}

TEST_F(ConfigProvidersTest, UnknownClassAndMissingClassAreRefusedWithTheReason) {
  auto problems = Fail(
      "config.providers = vault, file\n"
      "config.providers.vault.class = io.confluent.VaultConfigProvider\n"
      "clusters = A, B\nA.bootstrap.servers = a:1\nB.bootstrap.servers = b:1\nA->B.enabled = true\n");
  const ConfigProblem* vault =
      FindProblem(problems, "provider class 'io.confluent.VaultConfigProvider' cannot be used");
  ASSERT_NE(vault, nullptr) << testing::AllText(problems);
  EXPECT_EQ(vault->key, "config.providers.vault.class");
  EXPECT_NE(vault->message.find("cannot load Java classes"), std::string::npos);
  const ConfigProblem* file = FindProblem(problems, "provider 'file' needs config.providers.file.class");
  ASSERT_NE(file, nullptr) << testing::AllText(problems);
  EXPECT_EQ(file->key, "config.providers");
  EXPECT_EQ(file->line, 1);
}

TEST_F(ConfigProvidersTest, ResolvedSecretsNeverAppearInProblemsOrNotes) {
  // librdkafka refuses the value (not a number), and the message would quote it.
  ScopedEnv env("KMIRROR_TEST_BAD", "hunter2-not-a-number");
  LogCapture log;
  auto problems = Fail(std::string(kProviders) + "A.consumer.fetch.wait.max.ms = ${env:KMIRROR_TEST_BAD}\n");
  ASSERT_FALSE(problems.empty());
  const std::string text = testing::AllText(problems) + log.text();
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_NE(FindProblem(problems, "A.consumer.fetch.wait.max.ms"), nullptr) << testing::AllText(problems);
}

TEST_F(ConfigProvidersTest, PlaceholderOfAnUnlistedProviderIsKeptLiterallyWithAWarning) {
  Diagnostics diag;
  Properties p = Resolve(
      "config.providers = env\n"
      "config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
      "x = ${vault:secret/data:pw}\n",
      diag);
  EXPECT_EQ(p.Find("x")->value, "${vault:secret/data:pw}");
  ASSERT_EQ(diag.notes().size(), 1u);
  EXPECT_NE(diag.notes()[0].message.find("names provider 'vault'"), std::string::npos);
}

TEST_F(ConfigProvidersTest, AllowedPathsAndAllowlistPatternAreEnforced) {
  std::string secrets = dir_.Write("s.properties", "k = v\n");
  ScopedEnv env("KMIRROR_TEST_OTHER", "x");
  Diagnostics diag;
  Resolve(
      "config.providers = file, env\n"
      "config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider\n"
      "config.providers.file.param.allowed.paths = /etc/kmirror\n"
      "config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
      "config.providers.env.param.allowlist.pattern = KMIRROR_SECRET_.*\n"
      "a = ${file:" +
          secrets +
          ":k}\n"
          "b = ${env:KMIRROR_TEST_OTHER}\n",
      diag);
  ASSERT_EQ(diag.problems().size(), 2u);
  EXPECT_NE(diag.problems()[0].message.find("is outside config.providers.file.param.allowed.paths"), std::string::npos);
  EXPECT_NE(diag.problems()[1].message.find("not allowed by config.providers.env.param.allowlist.pattern"),
            std::string::npos);
}

TEST_F(ConfigProvidersTest, ProviderKeysAreAcceptedWithoutWarnings) {
  ScopedEnv env("KMIRROR_TEST_TASKS", "2");
  LogCapture log;
  Load(std::string(kProviders) + "tasks.max = ${env:KMIRROR_TEST_TASKS}\n");
  EXPECT_TRUE(log.Lines("warning", "config.providers").empty()) << log.text();
}

}  // namespace
}  // namespace kmirror::config
