// How the workers' sockets on one listen address share it without letting anyone else in.
//
// Every worker has its own socket per address (SO_REUSEPORT: the kernel spreads clients over
// them). Linux lets any socket of the same effective user join such a group, so a second ternd
// started with the same listen address would bind silently and take half the queries, with
// its own cache. The first worker therefore *claims* the address: its socket binds without
// SO_REUSEPORT (and a UDP one without SO_REUSEADDR, which on UDP also lets a second socket
// bind), so the bind fails with EADDRINUSE while any other socket holds the address, and the
// check and the claim are one system call: two ternds started at the same moment cannot both
// pass. Only once bound does the socket allow SO_REUSEPORT, and the other workers *join* it.
//
// Why not the alternatives: a probe bind before the real one leaves a window between the two;
// a cBPF steering program (SO_ATTACH_REUSEPORT_CBPF) changes how queries spread (the receive
// hash is 0 on some paths, which would put every query on one worker) and a process of the
// same user could replace it anyway; one socket shared by all workers puts every datagram on
// one receive queue and wakes every worker for each. What remains is that a process of the
// same user could still join deliberately with SO_REUSEPORT: that process could as well
// ptrace ternd, so the user is the boundary, and another ternd never joins (it claims first).
#pragma once

namespace tern::daemon {

enum class PortClaim {
  claim,  ///< first socket on the address: bind exclusively, then allow the others in
  join,   ///< a further worker's socket: SO_REUSEPORT before bind, joining the claimed group
};

/// Sets the options `claim` needs before bind(2) on the socket `fd` (`stream`: TCP).
void prepare_bind(int fd, bool stream, PortClaim claim);
/// Sets the options `claim` needs after bind(2) (and before listen(2) for TCP). Throws
/// std::system_error when the kernel refuses.
void finish_bind(int fd, PortClaim claim);

}  // namespace tern::daemon
