// The NSD lab (zones/lab.sh) for the whole test binary: started once, on first use, on its own
// LAB_NET (default 127.54, $TERN_ITEST_LAB_NET) and a fresh LAB_DIR from mkdtemp; stopped when
// the run ends (listener.cpp), at static destruction, or by the emergency handlers.
#pragma once

#include <string>

namespace tern::itest {

/// The lab's address prefix: $TERN_ITEST_LAB_NET, else 127.54 (known without starting the lab).
std::string lab_net();

class Lab {
 public:
  /// The running lab; starts it on the first call. Throws (every time) if it cannot start.
  static Lab& get();
  /// Stops the lab if it was started (idempotent, never throws). Keeps LAB_DIR if a test failed.
  static void shutdown() noexcept;

  const std::string& dir() const { return dir_; }
  const std::string& net() const { return net_; }
  std::string hints() const { return dir_ + "/root.hints"; }
  /// The DS of the lab's signed root (zones/lab.sh writes it at start): its trust anchor.
  std::string trust_anchor() const { return dir_ + "/root.key"; }
  /// "net.suffix", e.g. address("12.2") = "127.54.12.2".
  std::string address(const std::string& suffix) const { return net_ + "." + suffix; }
  /// True if `lab.sh status` says every instance runs.
  bool all_running() const;

 private:
  Lab(std::string net, std::string dir) : net_(std::move(net)), dir_(std::move(dir)) {}
  std::string net_;
  std::string dir_;
};

}  // namespace tern::itest
