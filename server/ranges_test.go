package server

import (
	"net"
	"strings"
	"testing"

	"github.com/skiff-k8s/skiff/registry/core/service/ipallocator"
	"github.com/skiff-k8s/skiff/registry/core/service/portallocator"
)

func TestServiceRanges(t *testing.T) {
	cidr, base, size := ipallocator.ServiceCIDR, portallocator.Base, portallocator.Size
	defer func() { ipallocator.ServiceCIDR, portallocator.Base, portallocator.Size = cidr, base, size }()

	if err := applyServiceRanges(Options{ServiceClusterIPRange: "10.100.0.0/16", ServiceNodePortRange: "31000-31009"}); err != nil {
		t.Fatal(err)
	}
	if ipallocator.ServiceCIDR != "10.100.0.0/16" || portallocator.Base != 31000 || portallocator.Size != 10 {
		t.Errorf("ranges not applied: %s %d+%d", ipallocator.ServiceCIDR, portallocator.Base, portallocator.Size)
	}
	for _, bad := range []Options{
		{ServiceClusterIPRange: "10.100.0.0"},
		{ServiceNodePortRange: "32000"},
		{ServiceNodePortRange: "32000-31000"},
		{ServiceNodePortRange: "0-10"},
	} {
		if err := applyServiceRanges(bad); err == nil || !strings.Contains(err.Error(), "--service-") {
			t.Errorf("%+v: want a flag error, got %v", bad, err)
		}
	}
}

func TestAdvertiseAddress(t *testing.T) {
	if got := advertiseAddress(net.ParseIP("127.0.0.1")); !got.Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("loopback bind advertised as %v", got)
	}
	if got := advertiseAddress(net.ParseIP("0.0.0.0")); got == nil || got.IsUnspecified() {
		t.Errorf("wildcard bind advertised as %v", got)
	}
}
