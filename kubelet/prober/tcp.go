package prober

import (
	"context"
	"net"
	"strconv"
	"time"
)

func tcpProbe(ctx context.Context, host string, port int, timeout time.Duration) (result, string, error) {
	d := probeDialer()
	d.Timeout = timeout
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return failure, err.Error(), nil
	}
	_ = conn.Close()
	return success, "", nil
}
