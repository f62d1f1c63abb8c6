package agent

import (
	"net"
	"strings"
)

// hostAddress is the address other machines reach this one at: the source
// address of the default route, else loopback.
func hostAddress() net.IP {
	conn, err := net.Dial("udp", "192.0.2.1:9") // no packet is sent
	if err == nil {
		defer conn.Close()
		if a, ok := conn.LocalAddr().(*net.UDPAddr); ok {
			return a.IP
		}
	}
	return net.ParseIP("127.0.0.1")
}

func lowerName(s string) string { return strings.ToLower(s) }
