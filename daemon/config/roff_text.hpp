// Text into roff for the generated sections of the man pages (settings, counters).
#pragma once

#include <string>
#include <string_view>

namespace tern::daemon {

/// Escapes text for a roff text line: '-' as \- so that names copy as typed (groff would
/// print a hyphen), '\' as \e, and a leading '.' or '\'' kept from reading as a request.
std::string roff_text(std::string_view text);

/// One paragraph, one sentence per line: roff then spaces sentences right.
std::string roff_paragraph(std::string_view text);

}  // namespace tern::daemon
