package prober

import (
	"net"
	"syscall"
)

// probeDialer closes probe connections with an RST after at most a second
// of lingering, so frequent probes do not pile up TIME_WAIT sockets on the
// node, as upstream's does.
func probeDialer() *net.Dialer {
	return &net.Dialer{
		Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) {
				_ = syscall.SetsockoptLinger(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 1})
			})
		},
	}
}
