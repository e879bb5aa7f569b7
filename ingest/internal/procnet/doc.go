// Package procnet reads the kernel's UDP socket tables, /proc/net/udp and
// /proc/net/udp6, for the receive-queue fill and the datagrams the kernel
// dropped on each socket: loss that happens before any read, which no
// counter in the process can see.
//
// The tables describe the sockets of the reading process's network
// namespace.
package procnet
