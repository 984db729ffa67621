// librdkafka client properties as kmirror passes them around (name -> value). Kept apart
// from client.h so that code which only names properties (the config translator, the
// engine's property table) does not include librdkafka.
#pragma once

#include <map>
#include <string>

namespace kmirror::kafka {

using ClientProps = std::map<std::string, std::string>;

}  // namespace kmirror::kafka
