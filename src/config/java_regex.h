// Topic and topic-config patterns in MM2 and MM1 configuration are Java regular expressions;
// kmirror evaluates them with RE2, whose matching time is linear in the topic name whatever
// the pattern. Most Java patterns mean the same in RE2. The rest are refused here with the
// reason, because the alternative is a pattern that silently selects different topics:
//   - constructs RE2 cannot do at all: lookahead/lookbehind, backreferences, atomic groups,
//     possessive quantifiers, \G, \Z, Java-only classes and flags (RE2 would refuse them with
//     a terse message; this says what to write instead);
//   - constructs RE2 accepts with another meaning: character-class intersection "[a-z&&[^x]]"
//     and nested/union classes "[a[bc]]" (RE2 reads "&&" and "[" literally).
#pragma once

#include <string>

#include "kmirror/common/status.h"

namespace kmirror::config {

// OK when `pattern` compiles with RE2 and means what Java means; otherwise InvalidArgument
// explaining what to change.
Status CheckJavaRegex(const std::string& pattern);

}  // namespace kmirror::config
