package admission

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// check is one Pod Security Standards control. A restricted check may
// override (replace) a baseline one.
type check struct {
	id        string
	level     string
	overrides string
	check     func(annotations map[string]string, spec *corev1.PodSpec) *Violation
}

var psaChecks = []check{
	{id: "appArmorProfile", level: LevelBaseline, check: checkAppArmor},
	{id: "capabilities_baseline", level: LevelBaseline, check: checkCapabilitiesBaseline},
	{id: "hostNamespaces", level: LevelBaseline, check: checkHostNamespaces},
	{id: "hostPathVolumes", level: LevelBaseline, check: checkHostPathVolumes},
	{id: "hostPorts", level: LevelBaseline, check: checkHostPorts},
	{id: "privileged", level: LevelBaseline, check: checkPrivileged},
	{id: "procMount", level: LevelBaseline, check: checkProcMount},
	{id: "seLinuxOptions", level: LevelBaseline, check: checkSELinux},
	{id: "seccompProfile_baseline", level: LevelBaseline, check: checkSeccompBaseline},
	{id: "sysctls", level: LevelBaseline, check: checkSysctls},
	{id: "windowsHostProcess", level: LevelBaseline, check: checkHostProcess},
	{id: "allowPrivilegeEscalation", level: LevelRestricted, check: checkPrivilegeEscalation},
	{id: "capabilities_restricted", level: LevelRestricted, overrides: "capabilities_baseline", check: checkCapabilitiesRestricted},
	{id: "restrictedVolumes", level: LevelRestricted, overrides: "hostPathVolumes", check: checkRestrictedVolumes},
	{id: "runAsNonRoot", level: LevelRestricted, check: checkRunAsNonRoot},
	{id: "runAsUser", level: LevelRestricted, check: checkRunAsUser},
	{id: "seccompProfile_restricted", level: LevelRestricted, overrides: "seccompProfile_baseline", check: checkSeccompRestricted},
}

// checksFor returns the checks of a level, sorted by id as upstream
// reports them.
func checksFor(level string) []check {
	if level != LevelBaseline && level != LevelRestricted {
		return nil
	}
	overridden := map[string]bool{}
	if level == LevelRestricted {
		for _, c := range psaChecks {
			if c.overrides != "" {
				overridden[c.overrides] = true
			}
		}
	}
	var out []check
	for _, c := range psaChecks {
		if overridden[c.id] || (c.level == LevelRestricted && level != LevelRestricted) {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// containers visits init, regular and ephemeral containers, in that order.
func containers(spec *corev1.PodSpec, fn func(c *corev1.Container)) {
	for i := range spec.InitContainers {
		fn(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		fn(&spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		fn(&c)
	}
}

func pluralize(singular, plural string, n int) string {
	if n == 1 {
		return singular
	}
	return plural
}

func joinQuote(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// named renders `container "a"` or `containers "a", "b"`.
func named(names []string) string {
	return pluralize("container", "containers", len(names)) + " " + joinQuote(names)
}

// set is a small sorted string set.
type set map[string]bool

func (s set) sorted() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkHostNamespaces(_ map[string]string, spec *corev1.PodSpec) *Violation {
	var f []string
	if spec.HostNetwork {
		f = append(f, "hostNetwork=true")
	}
	if spec.HostPID {
		f = append(f, "hostPID=true")
	}
	if spec.HostIPC {
		f = append(f, "hostIPC=true")
	}
	if len(f) == 0 {
		return nil
	}
	return &Violation{Reason: "host namespaces", Detail: strings.Join(f, ", ")}
}

func checkPrivileged(_ map[string]string, spec *corev1.PodSpec) *Violation {
	var bad []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "privileged", Detail: named(bad) + " must not set securityContext.privileged=true"}
}

var baselineCapabilities = set{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true, "KILL": true,
	"MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true, "SETPCAP": true, "SETUID": true, "SYS_CHROOT": true,
}

// addedCapabilities lists the containers adding capabilities outside allowed.
func addedCapabilities(spec *corev1.PodSpec, allowed set) ([]string, set) {
	var bad []string
	caps := set{}
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
			return
		}
		found := false
		for _, cp := range c.SecurityContext.Capabilities.Add {
			if !allowed[string(cp)] {
				caps[string(cp)] = true
				found = true
			}
		}
		if found {
			bad = append(bad, c.Name)
		}
	})
	return bad, caps
}

func checkCapabilitiesBaseline(_ map[string]string, spec *corev1.PodSpec) *Violation {
	bad, caps := addedCapabilities(spec, baselineCapabilities)
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "non-default capabilities",
		Detail: fmt.Sprintf("%s must not include %s in securityContext.capabilities.add", named(bad), joinQuote(caps.sorted()))}
}

func checkHostPathVolumes(_ map[string]string, spec *corev1.PodSpec) *Violation {
	var bad []string
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			bad = append(bad, v.Name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "hostPath volumes", Detail: pluralize("volume", "volumes", len(bad)) + " " + joinQuote(bad)}
}

func checkHostPorts(_ map[string]string, spec *corev1.PodSpec) *Violation {
	var bad []string
	ports := set{}
	containers(spec, func(c *corev1.Container) {
		found := false
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				ports[strconv.Itoa(int(p.HostPort))] = true
				found = true
			}
		}
		if found {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "hostPort", Detail: fmt.Sprintf("%s %s %s %s", named(bad), pluralize("uses", "use", len(bad)),
		pluralize("hostPort", "hostPorts", len(ports)), strings.Join(ports.sorted(), ", "))}
}

func checkProcMount(_ map[string]string, spec *corev1.PodSpec) *Violation {
	var bad []string
	values := set{}
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.ProcMount != nil && *c.SecurityContext.ProcMount != corev1.DefaultProcMount {
			bad = append(bad, c.Name)
			values[string(*c.SecurityContext.ProcMount)] = true
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "procMount", Detail: fmt.Sprintf("%s must not set securityContext.procMount to %s", named(bad), joinQuote(values.sorted()))}
}

// setters renders "pod and containers "a", "b"" for the bad setters.
func setters(pod bool, bad []string) string {
	var s []string
	if pod {
		s = append(s, "pod")
	}
	if len(bad) > 0 {
		s = append(s, named(bad))
	}
	return strings.Join(s, " and ")
}

func checkSeccompBaseline(_ map[string]string, spec *corev1.PodSpec) *Violation {
	pod := spec.SecurityContext != nil && spec.SecurityContext.SeccompProfile != nil &&
		spec.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined
	var bad []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil && c.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined {
			bad = append(bad, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "seccompProfile", Detail: setters(pod, bad) + ` must not set securityContext.seccompProfile.type to "Unconfined"`}
}

var allowedSELinuxTypes = set{"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true}

func checkSELinux(_ map[string]string, spec *corev1.PodSpec) *Violation {
	types, users, roles := set{}, set{}, set{}
	bad := func(o *corev1.SELinuxOptions) bool {
		if o == nil {
			return false
		}
		found := false
		if !allowedSELinuxTypes[o.Type] {
			types[o.Type] = true
			found = true
		}
		if o.User != "" {
			users[o.User] = true
			found = true
		}
		if o.Role != "" {
			roles[o.Role] = true
			found = true
		}
		return found
	}
	pod := spec.SecurityContext != nil && bad(spec.SecurityContext.SELinuxOptions)
	var names []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && bad(c.SecurityContext.SELinuxOptions) {
			names = append(names, c.Name)
		}
	})
	if !pod && len(names) == 0 {
		return nil
	}
	var what []string
	for _, f := range []struct {
		name string
		s    set
	}{{"type", types}, {"user", users}, {"role", roles}} {
		if len(f.s) > 0 {
			what = append(what, pluralize(f.name, f.name+"s", len(f.s))+" "+joinQuote(f.s.sorted()))
		}
	}
	return &Violation{Reason: "seLinuxOptions", Detail: fmt.Sprintf("%s set forbidden securityContext.seLinuxOptions: %s", setters(pod, names), strings.Join(what, "; "))}
}

var safeSysctls = set{
	"kernel.shm_rmid_forced": true, "net.ipv4.ip_local_port_range": true, "net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.tcp_syncookies": true, "net.ipv4.ping_group_range": true, "net.ipv4.ip_local_reserved_ports": true,
	"net.ipv4.tcp_keepalive_time": true, "net.ipv4.tcp_fin_timeout": true, "net.ipv4.tcp_keepalive_intvl": true,
	"net.ipv4.tcp_keepalive_probes": true,
}

func checkSysctls(_ map[string]string, spec *corev1.PodSpec) *Violation {
	if spec.SecurityContext == nil {
		return nil
	}
	var bad []string
	for _, s := range spec.SecurityContext.Sysctls {
		if !safeSysctls[s.Name] {
			bad = append(bad, s.Name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "forbidden sysctls", Detail: strings.Join(bad, ", ")}
}

func checkHostProcess(_ map[string]string, spec *corev1.PodSpec) *Violation {
	hp := func(w *corev1.WindowsSecurityContextOptions) bool {
		return w != nil && w.HostProcess != nil && *w.HostProcess
	}
	pod := spec.SecurityContext != nil && hp(spec.SecurityContext.WindowsOptions)
	var bad []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && hp(c.SecurityContext.WindowsOptions) {
			bad = append(bad, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "hostProcess", Detail: setters(pod, bad) + " must not set securityContext.windowsOptions.hostProcess=true"}
}

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

func checkAppArmor(annotations map[string]string, spec *corev1.PodSpec) *Violation {
	var bad []string
	unconfined := func(p *corev1.AppArmorProfile) bool {
		return p != nil && p.Type == corev1.AppArmorProfileTypeUnconfined
	}
	if spec.SecurityContext != nil && unconfined(spec.SecurityContext.AppArmorProfile) {
		bad = append(bad, `pod must not set securityContext.appArmorProfile.type to "Unconfined"`)
	}
	var names []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && unconfined(c.SecurityContext.AppArmorProfile) {
			names = append(names, c.Name)
		}
	})
	if len(names) > 0 {
		bad = append(bad, named(names)+` must not set securityContext.appArmorProfile.type to "Unconfined"`)
	}
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := annotations[k]
		if strings.HasPrefix(k, appArmorAnnotationPrefix) && v != "runtime/default" && !strings.HasPrefix(v, "localhost/") {
			bad = append(bad, fmt.Sprintf("%s=%q", k, v))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad)), Detail: strings.Join(bad, ", ")}
}
