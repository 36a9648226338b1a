package defaults

import (
	corev1 "k8s.io/api/core/v1"
)

// Upstream's pod-level default values.
const (
	defaultTerminationGracePeriod = int64(30)
	defaultSchedulerName          = "default-scheduler"
	defaultTerminationMessagePath = "/dev/termination-log"
	defaultFileMode               = int32(0o644)
	defaultTokenExpiration        = int64(3600)
)

// pod defaults a Pod: its spec, plus the Pod-only rules (requests from
// limits, enableServiceLinks, host ports on host-network pods) and the
// rounding of the resources its status reports. Pod-level resources get
// no requests from limits: that needs PodLevelResources, off in 1.33.
func pod(p *corev1.Pod) {
	podSpec(&p.Spec)
	if p.Spec.EnableServiceLinks == nil {
		p.Spec.EnableServiceLinks = ptrTo(corev1.DefaultEnableServiceLinks)
	}
	for i := range p.Spec.Containers {
		requestsFromLimits(&p.Spec.Containers[i].Resources)
	}
	for i := range p.Spec.InitContainers {
		requestsFromLimits(&p.Spec.InitContainers[i].Resources)
	}
	if p.Spec.HostNetwork {
		hostNetworkPorts(p.Spec.Containers)
		hostNetworkPorts(p.Spec.InitContainers)
	}
	containerStatusResources(p.Status.InitContainerStatuses)
	containerStatusResources(p.Status.ContainerStatuses)
	containerStatusResources(p.Status.EphemeralContainerStatuses)
}

// containerStatusResources rounds the resources container statuses report.
func containerStatusResources(statuses []corev1.ContainerStatus) {
	for i := range statuses {
		roundResourceList(statuses[i].AllocatedResources)
		roundRequirements(statuses[i].Resources)
	}
}

// requestsFromLimits copies each limit into requests when that resource
// has no request.
func requestsFromLimits(r *corev1.ResourceRequirements) {
	if len(r.Limits) == 0 {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			r.Requests[name] = q.DeepCopy()
		}
	}
}

// hostNetworkPorts sets hostPort = containerPort where hostPort is unset.
func hostNetworkPorts(cs []corev1.Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if cs[i].Ports[j].HostPort == 0 {
				cs[i].Ports[j].HostPort = cs[i].Ports[j].ContainerPort
			}
		}
	}
}

// podTemplateSpec defaults the pod spec embedded in a workload.
func podTemplateSpec(t *corev1.PodTemplateSpec) {
	if t == nil {
		return
	}
	podSpec(&t.Spec)
}

// podSpec applies the PodSpec and nested (container, volume) defaults.
func podSpec(s *corev1.PodSpec) {
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptrTo(defaultTerminationGracePeriod)
	}
	if s.SchedulerName == "" {
		s.SchedulerName = defaultSchedulerName
	}
	roundResourceList(s.Overhead)
	roundRequirements(s.Resources)
	for i := range s.InitContainers {
		container(&s.InitContainers[i])
	}
	for i := range s.Containers {
		container(&s.Containers[i])
	}
	for i := range s.EphemeralContainers {
		// The common part of an ephemeral container has a Container's
		// fields and gets the same defaults, as upstream.
		container((*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon))
	}
	for i := range s.Volumes {
		volume(&s.Volumes[i])
	}
}

// container applies Container defaults.
func container(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = pullPolicyFor(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = defaultTerminationMessagePath
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	containerPorts(c.Ports)
	envVars(c.Env)
	roundRequirements(&c.Resources)
	probe(c.LivenessProbe)
	probe(c.ReadinessProbe)
	probe(c.StartupProbe)
	lifecycle(c.Lifecycle)
}

// containerPorts defaults each port's protocol to TCP.
func containerPorts(ports []corev1.ContainerPort) {
	for i := range ports {
		if ports[i].Protocol == "" {
			ports[i].Protocol = corev1.ProtocolTCP
		}
	}
}

// envVars defaults fieldRef apiVersion to v1.
func envVars(env []corev1.EnvVar) {
	for i := range env {
		if env[i].ValueFrom != nil {
			fieldRef(env[i].ValueFrom.FieldRef)
		}
	}
}

// fieldRef defaults an ObjectFieldSelector's apiVersion.
func fieldRef(f *corev1.ObjectFieldSelector) {
	if f != nil && f.APIVersion == "" {
		f.APIVersion = "v1"
	}
}

// probe applies Probe defaults, including its handler's.
func probe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	httpGet(p.HTTPGet)
	if p.GRPC != nil && p.GRPC.Service == nil {
		p.GRPC.Service = ptrTo("")
	}
}

// httpGet defaults an HTTPGetAction's path and scheme.
func httpGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

// lifecycle defaults the HTTP handlers of lifecycle hooks.
func lifecycle(l *corev1.Lifecycle) {
	if l == nil {
		return
	}
	if l.PostStart != nil {
		httpGet(l.PostStart.HTTPGet)
	}
	if l.PreStop != nil {
		httpGet(l.PreStop.HTTPGet)
	}
}
