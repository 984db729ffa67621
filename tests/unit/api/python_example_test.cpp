// The Python example client (docs/examples/python) against the in-process server: its stubs
// are generated from proto/ at run time, so this catches a .proto change that breaks it
// without needing Kafka. Skipped where python3 with grpcio and grpc_tools is missing.
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <string>

#include <gtest/gtest.h>

#include "api_fixture.h"

namespace kmirror::api {
namespace {

// Debian's interpreter, where python3-grpcio and python3-grpc-tools install (a python3
// earlier on PATH, e.g. pyenv's, usually lacks them).
const std::string kPython = "/usr/bin/python3";

struct ShellRun {
  int exit_code = -1;
  std::string output;
};

ShellRun Shell(const std::string& command) {
  ShellRun r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class PythonExampleTest : public apitest::ApiFixture {};

TEST_F(PythonExampleTest, TranslatesAGroupAndWatchesItsCheckpoints) {
  if (Shell(kPython + " -c 'import grpc, grpc_tools.protoc'").exit_code != 0) {
    GTEST_SKIP() << "python3 with grpcio and grpc_tools is not installed";
  }
  CatchUp();
  CheckpointsLoaded();
  checkpoints_.Put(apitest::MakeCheckpoint("billing", 7, 107));
  source_up_ = false;  // answered from the checkpoint
  const std::string script = std::string(KMIRROR_SOURCE_DIR) + "/docs/examples/python/kmirror_client.py";
  ShellRun r =
      Shell(kPython + " " + script + " --api " + address_ + " --source A --target B --group billing --watch 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"({"topic": "A.orders", "partition": 0, "offset": 107, "source_topic": "orders", )"
                          R"("source_offset": 7, "kind": "TRANSLATION_KIND_EXACT", "from_checkpoints": true})"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(R"({"checkpoint": true, "initial": true, "topic": "A.orders", "partition": 0, )"
                          R"("upstream": 7, "downstream": 107})"),
            std::string::npos)
      << r.output;

  // Errors arrive as status codes: a flow this server does not serve.
  r = Shell(kPython + " " + script + " --api " + address_ + " --source A --target C --group billing");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("NOT_FOUND"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kmirror::api
