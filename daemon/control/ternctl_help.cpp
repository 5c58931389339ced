#include "daemon/control/ternctl_help.hpp"

#include "daemon/config/command_line.hpp"
#include "daemon/control/control_protocol.hpp"

namespace tern::daemon {

std::string ternctl_help_text() {
  return std::string("ternctl: control a running ternd.\n") +
         "Usage: ternctl [-s SOCKET] [-c CONFIG] COMMAND [ARGUMENT]...\n"
         "\nOptions:\n"
         "  -s, --socket SOCKET  the control socket (default: control-socket of the\n"
         "                       configuration, else " + ternctl_default_socket + ")\n"
         "  -c, --config CONFIG  read control-socket from this ternd.yaml (default\n"
         "                       " + default_config_path + ", when it exists)\n"
         "  -h, --help           print this help and exit\n"
         "      --version        print the version and exit\n\n" +
         std::string(control_commands_help()) +
         "  cache watch NAME [TYPE] [--count N] [--for S] [--interval S]\n"
         "                           the entry's remaining TTL once per interval (default 1 s)\n"
         "                           and every refresh (old -> new data), until interrupted or\n"
         "                           N lines / S seconds (ternctl asks 'cache show' each time)\n" +
         "\nExit status: 0 ok, 1 the command failed (a rejected reload, say) or ternd is not\n"
         "reachable, 2 usage error.\n"
         "See ternctl(8).\n";
}

}  // namespace tern::daemon
