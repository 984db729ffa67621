// Whether the gRPC API's listen address (api.listen, "host:port") is reachable only from this
// host: 127.0.0.0/8, ::1 or "localhost". The app warns at start-up when the API is served
// without TLS on any other address (docs/api.md, "Exposing the API"). Pure; any thread.
#pragma once

#include <string>

namespace kmirror::app {

bool IsLoopbackListen(const std::string& listen);

}  // namespace kmirror::app
