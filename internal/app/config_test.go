package app

import (
	"net"
	"strings"
	"testing"
)

func TestFirstServiceIP(t *testing.T) {
	tests := []struct{ cidr, want string }{
		{"10.43.0.0/16", "10.43.0.1"},
		{"fd00:43::/108", "fd00:43::1"},
		{"fd00:43::1:0/112", "fd00:43::1:1"},
	}
	for _, tt := range tests {
		_, n, err := net.ParseCIDR(tt.cidr)
		if err != nil {
			t.Fatal(err)
		}
		if got := firstServiceIP(n); got.String() != tt.want {
			t.Errorf("firstServiceIP(%s) = %s; want %s", tt.cidr, got, tt.want)
		}
	}
}

// TestServiceCIDRFamilyMatchesAdvertiseAddress: as upstream's
// kube-apiserver (validatePublicIPServiceClusterIPRangeIPFamilies), the
// kubernetes Service's address and its endpoint address must be of one
// family; an unset advertise address is picked in the service CIDR's.
func TestServiceCIDRFamilyMatchesAdvertiseAddress(t *testing.T) {
	tests := []struct {
		name, cidr, advertise, bind string
		wantErr                     string
		wantV6                      bool
	}{
		{name: "ipv4", cidr: "10.43.0.0/16", bind: "127.0.0.1"},
		{name: "ipv6 picks an ipv6 address", cidr: "fd00:43::/108", bind: "127.0.0.1", wantV6: true},
		{name: "ipv6 with an ipv4 advertise address", cidr: "fd00:43::/108", advertise: "192.0.2.10",
			wantErr: `service IP family "fd00:43::/108" must match public address family "192.0.2.10"`},
		{name: "ipv4 with an ipv6 advertise address", cidr: "10.43.0.0/16", advertise: "fd00::10",
			wantErr: `service IP family "10.43.0.0/16" must match public address family "fd00::10"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ServerConfig{DataDir: t.TempDir(), ServiceCIDR: tt.cidr, AdvertiseAddress: tt.advertise, BindAddress: tt.bind}
			err := c.validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("validate() = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("validate() = %v", err)
			}
			if isIPv6(c.advertise) != tt.wantV6 {
				t.Errorf("advertise address %s; want IPv6 %v", c.advertise, tt.wantV6)
			}
		})
	}
}
