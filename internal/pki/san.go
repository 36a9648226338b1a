package pki

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
)

// kubernetesServiceNames are the in-cluster DNS names of the kubernetes
// Service in the default namespace.
var kubernetesServiceNames = []string{
	"kubernetes",
	"kubernetes.default",
	"kubernetes.default.svc",
	"kubernetes.default.svc.cluster.local",
}

// names is a deduplicated set of subject alternative names in first-seen
// order.
type names struct {
	dns  []string
	ips  []net.IP
	seen map[string]bool
}

func (n *names) addDNS(d string) {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" || n.seen["dns:"+d] {
		return
	}
	n.seen["dns:"+d] = true
	n.dns = append(n.dns, d)
}

func (n *names) addIP(ip net.IP) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return
	}
	a = a.Unmap()
	if n.seen["ip:"+a.String()] {
		return
	}
	n.seen["ip:"+a.String()] = true
	n.ips = append(n.ips, net.IP(a.AsSlice()))
}

// servingNames lists every name the serving certificate must carry.
func servingNames(cfg Config) (names, error) {
	n := names{seen: map[string]bool{}}
	host, err := os.Hostname()
	if err != nil {
		return n, fmt.Errorf("pki: hostname: %w", err)
	}
	n.addDNS(host)
	n.addDNS("localhost")
	for _, d := range kubernetesServiceNames {
		n.addDNS(d)
	}
	for _, d := range cfg.Hostnames {
		// An IP given as a hostname is what the user meant as an IP.
		if ip := net.ParseIP(d); ip != nil {
			n.addIP(ip)
			continue
		}
		n.addDNS(d)
	}
	n.addIP(net.IPv4(127, 0, 0, 1))
	n.addIP(net.IPv6loopback)
	n.addIP(cfg.ServiceIP)
	ifaceIPs, err := interfaceIPs()
	if err != nil {
		return n, fmt.Errorf("pki: interface addresses: %w", err)
	}
	for _, ip := range ifaceIPs {
		n.addIP(ip)
	}
	for _, ip := range cfg.IPs {
		n.addIP(ip)
	}
	return n, nil
}

// interfaceIPs returns the machine's non-loopback, non-link-local unicast
// addresses. Link-local addresses are left out: they need a zone to be
// dialled and change with every interface.
func interfaceIPs() ([]net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip := ipnet.IP
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
			continue
		}
		ips = append(ips, ip)
	}
	return ips, nil
}
