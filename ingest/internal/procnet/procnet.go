package procnet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Socket is one row of a UDP socket table.
type Socket struct {
	Local   netip.AddrPort
	Remote  netip.AddrPort
	RxQueue uint64 // bytes waiting in the receive queue
	Inode   uint64
	Drops   uint64 // datagrams dropped on arrival (receive buffer full, memory pressure, ...)
}

// Bound reports whether the socket is bound to addr: the same port and the
// same address, where every unspecified address (0.0.0.0, ::) is the same
// one and an IPv4-mapped address is its IPv4 address.
func (s Socket) Bound(addr netip.AddrPort) bool {
	if s.Local.Port() != addr.Port() {
		return false
	}
	a, b := s.Local.Addr().Unmap(), addr.Addr().Unmap()
	return a == b || (a.IsUnspecified() && b.IsUnspecified())
}

// Files are the tables ReadUDP reads.
var Files = []string{"/proc/net/udp", "/proc/net/udp6"}

// ReadUDP reads every UDP socket of this network namespace, IPv4 and IPv6.
// A missing table (no IPv6, or no /proc) is skipped; when none exists the
// error wraps fs.ErrNotExist.
func ReadUDP() ([]Socket, error) {
	var all []Socket
	found := false
	for _, name := range Files {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("procnet: %w", err)
		}
		found = true
		socks, err := Parse(f, binary.NativeEndian)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("procnet: %s: %w", name, err)
		}
		all = append(all, socks...)
	}
	if !found {
		return nil, fmt.Errorf("procnet: none of %v: %w", Files, fs.ErrNotExist)
	}
	return all, nil
}

// Parse reads a table in the format of /proc/net/udp or /proc/net/udp6: a
// header line, then one socket per line. order is the byte order of the
// machine that wrote it, which prints addresses as 32-bit words in its own
// order.
func Parse(r io.Reader, order binary.ByteOrder) ([]Socket, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var out []Socket
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && strings.Contains(line, "local_address") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		s, err := parseLine(line, order)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// The columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when
// retrnsmt uid timeout inode ref pointer drops.
const (
	colLocal  = 1
	colRemote = 2
	colQueues = 4
	colInode  = 9
	colDrops  = 12
	columns   = 13
)

func parseLine(line string, order binary.ByteOrder) (Socket, error) {
	f := strings.Fields(line)
	if len(f) < columns {
		return Socket{}, fmt.Errorf("%d columns, want %d", len(f), columns)
	}
	if !strings.HasSuffix(f[0], ":") {
		return Socket{}, fmt.Errorf("slot %q does not end in ':'", f[0])
	}
	var s Socket
	var err error
	if s.Local, err = parseAddrPort(f[colLocal], order); err != nil {
		return Socket{}, fmt.Errorf("local address: %w", err)
	}
	if s.Remote, err = parseAddrPort(f[colRemote], order); err != nil {
		return Socket{}, fmt.Errorf("remote address: %w", err)
	}
	_, rx, ok := strings.Cut(f[colQueues], ":")
	if !ok {
		return Socket{}, fmt.Errorf("queues %q: want tx:rx", f[colQueues])
	}
	if s.RxQueue, err = strconv.ParseUint(rx, 16, 64); err != nil {
		return Socket{}, fmt.Errorf("rx_queue: %w", err)
	}
	if s.Inode, err = strconv.ParseUint(f[colInode], 10, 64); err != nil {
		return Socket{}, fmt.Errorf("inode: %w", err)
	}
	if s.Drops, err = strconv.ParseUint(f[colDrops], 10, 64); err != nil {
		return Socket{}, fmt.Errorf("drops: %w", err)
	}
	return s, nil
}

// parseAddrPort reads ADDR:PORT in hex: ADDR is 8 digits (IPv4) or 32
// (IPv6), each group of 8 a 32-bit word printed in the writer's byte order;
// PORT is 4 digits, a plain number.
func parseAddrPort(s string, order binary.ByteOrder) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok || len(p) != 4 {
		return netip.AddrPort{}, fmt.Errorf("%q is not ADDR:PORT in hex", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q: %w", p, err)
	}
	var b [16]byte
	switch len(a) {
	case 8, 32:
	default:
		return netip.AddrPort{}, fmt.Errorf("address %q: %d hex digits, want 8 or 32", a, len(a))
	}
	for i := 0; i < len(a); i += 8 {
		w, err := strconv.ParseUint(a[i:i+8], 16, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("address %q: %w", a, err)
		}
		order.PutUint32(b[i/2:], uint32(w))
	}
	var addr netip.Addr
	if len(a) == 8 {
		addr = netip.AddrFrom4([4]byte(b[:4]))
	} else {
		addr = netip.AddrFrom16(b)
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}
