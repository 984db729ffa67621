// kmirror's command line: parse arguments, load the configuration, build the app, run it
// until SIGINT/SIGTERM, stop it cleanly. Exit codes: 0 clean stop, 1 runtime failure,
// 2 bad command line or configuration (nothing was touched).
#include <malloc.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "kmirror/app/app.h"
#include "kmirror/app/commands.h"
#include "kmirror/common/logging.h"
#include "kmirror/common/thread_name.h"
#include "kmirror/config/mirror_config.h"
#include "kmirror/config/overrides.h"
#include "kmirror/config/settings.h"

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;

// Waits for SIGINT/SIGTERM (blocked in every thread, so they arrive only here) or a failure.
int RunUntilSignal(kmirror::config::MirrorConfig config) {
  const std::chrono::seconds app_timeout = config.shutdown_timeout;
  kmirror::app::App app(std::move(config));
  kmirror::Status s = app.Start();
  auto log = kmirror::logging::Get("app");
  if (!s.ok()) {
    log->critical("start-up failed: {}", s.ToString());
    app.Stop();
    return kExitRuntime;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  const timespec tick{0, 250 * 1000 * 1000};
  int code = 0;
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    kmirror::Status f = app.failure();
    if (!f.ok()) {
      log->critical("{}", f.ToString());
      code = kExitRuntime;
      break;
    }
  }
  // A drain can hang on an unreachable cluster (librdkafka waits for session timeouts):
  // bound it, and let a second signal cut it short. Exiting early only costs duplicates on
  // restart (offsets committed last are older than what the target holds), never records.
  std::atomic<bool> stopped{false};
  const auto timeout = app_timeout;
  std::thread watchdog([&stopped, &set, timeout, log] {
    kmirror::SetThreadName("km-shutdown");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const timespec poll{0, 100 * 1000 * 1000};
    while (!stopped) {
      int sig = sigtimedwait(&set, nullptr, &poll);
      const bool late = std::chrono::steady_clock::now() >= deadline;
      if (sig == SIGINT || sig == SIGTERM || late) {
        log->critical(
            "{}: exiting before the drain finished; records the target acknowledged since the last "
            "commit will be mirrored again on restart (duplicates, nothing lost)",
            late ? "shutdown took longer than shutdown.timeout.seconds (" + std::to_string(timeout.count()) +
                       " s; a cluster unreachable?)"
                 : std::string("second signal"));
        spdlog::shutdown();
        std::_Exit(kExitRuntime);
      }
    }
  });
  app.Stop();
  stopped = true;
  watchdog.join();
  return code;
}

}  // namespace

#ifdef KMIRROR_WITH_JEMALLOC
// jemalloc reads this at its first allocation (MALLOC_CONF in the environment still wins).
// Every record is allocated on a librdkafka thread and freed on a task thread: two arenas and
// the thread caches carry that traffic; unused pages go back to the system within half a
// second instead of jemalloc's 10 s, so peak RSS stays that of the in-flight budget
// (measured against glibc and jemalloc's defaults in docs/performance.md).
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "narenas:2,dirty_decay_ms:500,muzzy_decay_ms:0,tcache_max:4096";
}
#endif

int main(int argc, char** argv) {
#ifndef KMIRROR_WITH_JEMALLOC
  // glibc gives each thread that allocates its own malloc arena (up to 8 per core); the
  // hot path allocates on librdkafka's threads and frees on the task's, which then spreads
  // memory over many arenas. Two arenas measured faster and no larger (docs/performance.md).
  mallopt(M_ARENA_MAX, 2);
#endif
  // Block the stop signals before any thread exists so every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  CLI::App cli{"kmirror: replicates Apache Kafka topics between clusters"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "kmirror 0.1.0");
  std::string log_level = "info";
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();

  std::string config_path;
  auto* run = cli.add_subcommand("run", "Run the flows of an MM2-style connect-mirror-maker.properties file");
  run->add_option("-c,--config", config_path, "connect-mirror-maker.properties file")->required();
  run->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  // Per-node settings of a cluster sharing one file (docs/cluster.md); also from the
  // environment (KMIRROR_NODE_ID, KMIRROR_SET_<KEY>).
  std::string node_id;
  std::vector<std::string> set_flags;
  const std::string node_help = "this node's id in a kmirror cluster (node.id; default: the host name)";
  const std::string set_help =
      "a setting for this node only, overriding the file (repeatable): --set api.listen=127.0.0.1:9191";
  run->add_option("--node-id", node_id, node_help);
  run->add_option("--set", set_flags, set_help)->take_all()->allow_extra_args(false);

  auto* check = cli.add_subcommand("check", "Validate a configuration file and exit");
  check->add_option("-c,--config", config_path, "connect-mirror-maker.properties file")->required();
  check->add_option("--node-id", node_id, node_help);
  check->add_option("--set", set_flags, set_help)->take_all()->allow_extra_args(false);

  kmirror::config::LegacyArgs legacy;
  std::string include;
  auto* lg = cli.add_subcommand("legacy", "MirrorMaker 1 command line: --consumer.config --producer.config ...");
  lg->add_option("--consumer.config", legacy.consumer_config, "consumer properties (source cluster)")->required();
  lg->add_option("--producer.config", legacy.producer_config, "producer properties (target cluster)")->required();
  lg->add_option("--num.streams", legacy.num_streams, "consumer/producer pairs")->capture_default_str();
  auto* wl = lg->add_option("--whitelist", legacy.whitelist, "regex of topics to mirror");
  lg->add_option("--include", include, "regex of topics to mirror (newer name of --whitelist)")->excludes(wl);
  lg->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  lg->add_option("--node-id", node_id, node_help);

  auto* docs = cli.add_subcommand("config-docs", "Print the configuration reference (docs/configuration.md)");

  // TLS to the API, the same three flags on every client command (docs/api.md, "TLS").
  auto add_api_tls = [](CLI::App* cmd, kmirror::app::ApiTlsArgs& tls) {
    cmd->add_option("--api-ca", tls.ca, "PEM file of the CA that signed the API's server certificate (TLS)")
        ->envname("KMIRROR_API_CA");
    cmd->add_option("--api-cert", tls.cert, "PEM file of this client's certificate, for an API requiring them")
        ->envname("KMIRROR_API_CERT");
    cmd->add_option("--api-key", tls.key, "PEM file of the unencrypted key of --api-cert")->envname("KMIRROR_API_KEY");
  };

  kmirror::app::TranslateArgs tr;
  int32_t tr_partition = -1;
  int64_t tr_offset = -1;
  auto* translate =
      cli.add_subcommand("translate", "Ask a running kmirror where a group or an offset resumes on the target");
  translate->add_option("--api", tr.api, "kmirror's gRPC API address")->capture_default_str();
  add_api_tls(translate, tr.api_tls);
  translate->add_option("--from", tr.from, "source cluster alias")->required();
  translate->add_option("--to", tr.to, "target cluster alias")->required();
  translate->add_option("--group", tr.group, "consumer group (translates all its committed offsets)");
  auto* tr_topic = translate->add_option("--topic", tr.topic, "source topic (with --partition and --offset)");
  auto* tr_p = translate->add_option("--partition", tr_partition, "partition")->needs(tr_topic);
  auto* tr_o = translate->add_option("--offset", tr_offset, "source offset")->needs(tr_topic);
  translate->add_flag("--json", tr.json, "print the API's response as JSON instead of a table");

  kmirror::app::StatusArgs st;
  auto* status = cli.add_subcommand("status",
                                    "Ask a running kmirror node about its flows: partitions mirrored, stopped "
                                    "partitions, its cluster (nodes, duties)");
  status->add_option("--api", st.api, "kmirror's gRPC API address")->capture_default_str();
  add_api_tls(status, st.api_tls);
  status->add_option("--from", st.from, "source cluster alias (with --to; default: every flow)");
  status->add_option("--to", st.to, "target cluster alias");
  status->add_option("--topic", st.topic, "source topic (default: all)");
  status->add_flag("--json", st.json, "print the API's response as JSON instead of a table");

  kmirror::app::FailoverArgs fo;
  auto* failover = cli.add_subcommand(
      "failover",
      "Commit a group's translated offsets on the target (refused while the group is active on either cluster or "
      "when it would move backwards)");
  failover->add_option("-c,--config", fo.config, "connect-mirror-maker.properties file (how to reach the clusters)")
      ->required();
  failover->add_option("--api", fo.api, "kmirror's gRPC API address")->capture_default_str();
  add_api_tls(failover, fo.api_tls);
  failover->add_option("--group", fo.group, "consumer group")->required();
  failover->add_option("--from", fo.from, "source cluster alias (the one the group leaves)")->required();
  failover->add_option("--to", fo.to, "target cluster alias (where the group continues)")->required();
  failover->add_flag("--dry-run", fo.dry_run, "print the plan, commit nothing");
  failover->add_flag("--allow-partial", fo.allow_partial, "commit even if some partitions could not be translated");
  failover->add_flag("--allow-backwards", fo.allow_backwards,
                     "commit even where the group is already further on the target (it reads those records again)");
  failover->add_flag("--assume-source-inactive", fo.assume_source_inactive,
                     "go on when the source cluster cannot be asked whether the group still has members there");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own exit codes (106 for a missing option, ...) are not kmirror's: 0 after
    // --help, 2 for every command-line error (README, docs/api.md).
    return cli.exit(e) == 0 ? 0 : kExitConfig;
  }
  if (!kmirror::logging::SetLevel(log_level)) {
    std::cerr << "kmirror: --log-level: unknown level '" << log_level << "'\n";
    return kExitConfig;
  }
  if (docs->parsed()) {
    std::cout << kmirror::config::RenderConfigurationDocs();
    return 0;
  }
  if (translate->parsed()) {
    if (tr_p->count() > 0) tr.partition = tr_partition;
    if (tr_o->count() > 0) tr.offset = tr_offset;
    return kmirror::app::RunTranslate(tr, std::cout, std::cerr);
  }
  if (status->parsed()) return kmirror::app::RunStatus(st, std::cout, std::cerr);
  if (failover->parsed()) return kmirror::app::RunFailover(fo, std::cout, std::cerr);
  auto overrides = kmirror::config::CollectOverrides(kmirror::config::ProcessEnvironment(), set_flags, node_id);
  if (!overrides.ok()) {
    std::cerr << "kmirror: " << overrides.status().message() << "\n";
    return kExitConfig;
  }
  kmirror::config::MirrorConfig config;
  try {
    if (lg->parsed()) {
      if (!include.empty()) legacy.whitelist = include;
      if (legacy.whitelist.empty()) {
        std::cerr << "kmirror legacy: --whitelist (or --include) is required\n";
        return kExitConfig;
      }
      config = kmirror::config::LoadLegacy(legacy, *overrides);
    } else {
      config = kmirror::config::LoadMm2Properties(config_path, *overrides);
    }
  } catch (const kmirror::config::ConfigError& e) {
    if (kmirror::logging::CurrentFormat() == kmirror::logging::Format::kJson) {
      // log.format=json was read before the problems were found: the log pipeline gets them too.
      auto log = kmirror::logging::Get("config");
      for (const auto& p : e.problems()) log->error("config error: {}", p.ToString());
      log->error("{} configuration problem(s); nothing was started", e.problems().size());
      return kExitConfig;
    }
    for (const auto& p : e.problems()) std::cerr << "kmirror: config error: " << p.ToString() << "\n";
    std::cerr << "kmirror: " << e.problems().size() << " configuration problem(s); nothing was started\n";
    return kExitConfig;
  }
  if (check->parsed()) {
    std::cout << "configuration OK: " << config.flows.size() << " flow(s), node " << config.node_id << "\n";
    for (const auto& f : config.flows) std::cout << "  " << f.Name() << "\n";
    return 0;
  }
  return RunUntilSignal(std::move(config));
}
