// Package imagelocality owns ImageLocality, as upstream's plugin of the
// same name: nodes that already hold the pod's container images (init
// containers included) score higher, by the images' sizes from
// node.status.images, each scaled by the share of nodes holding it (so a
// popular image does not pile pods onto a few nodes), and mapped onto
// 0-100 between a 23 MiB floor and 1000 MiB per container.
package imagelocality

import (
	"context"
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Name is the plugin's name in configurations.
const Name = "ImageLocality"

// The score range's bounds, as upstream: most images in registries fall
// between them.
const (
	mb                    int64 = 1024 * 1024
	minThreshold          int64 = 23 * mb
	maxContainerThreshold int64 = 1000 * mb
)

const preScoreKey = framework.StateKey("PreScore" + Name)

// ImageLocality is the plugin.
type ImageLocality struct {
	nodes framework.NodeInfoLister
}

var (
	_ framework.PreScorePlugin = &ImageLocality{}
	_ framework.ScorePlugin    = &ImageLocality{}
)

// New returns the plugin.
func New(_ framework.PluginArgs, h framework.Handle) (framework.Plugin, error) {
	return &ImageLocality{nodes: h.SnapshotSharedLister()}, nil
}

// Name returns Name.
func (*ImageLocality) Name() string { return Name }

// spreadState is, per normalized image of the pod, how many nodes of the
// snapshot hold it, and the snapshot's size.
type spreadState struct {
	images     []string
	numNodes   map[string]int
	totalNodes int
	// held: some node holds one of the images. When none does, every
	// node scores 0 and Score reads no node's images (a map lookup per
	// node and image, and a cache miss on each node's map).
	held bool
}

func (s *spreadState) Clone() framework.StateData { return s }

// PreScore counts, for each of the pod's images, the nodes holding it.
func (pl *ImageLocality) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	s := &spreadState{numNodes: map[string]int{}, totalNodes: len(pl.nodes.List())}
	for _, cs := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			s.images = append(s.images, NormalizedImageName(c.Image))
		}
	}
	for _, img := range s.images {
		if _, done := s.numNodes[img]; done {
			continue
		}
		s.numNodes[img] = pl.nodes.ImageNumNodes(img)
		s.held = s.held || s.numNodes[img] > 0
	}
	state.Write(preScoreKey, s)
	return nil
}

// Score sums the node's images' sizes scaled by their spread and maps the
// sum onto 0-100.
func (pl *ImageLocality) Score(_ context.Context, state *framework.CycleState, _ *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(preScoreKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	s := d.(*spreadState)
	if !s.held {
		return Priority(0, len(s.images)), nil
	}
	var sum int64
	for _, img := range s.images {
		if st, ok := n.ImageStates[img]; ok && s.totalNodes > 0 {
			sum += int64(float64(st.Size) * float64(s.numNodes[img]) / float64(s.totalNodes))
		}
	}
	return Priority(sum, len(s.images)), nil
}

// ScoreExtensions is nil: scores are already 0-100.
func (*ImageLocality) ScoreExtensions() framework.ScoreExtensions { return nil }

// Priority maps a summed image score onto 0-100 between minThreshold and
// maxContainerThreshold times the number of containers.
func Priority(sum int64, containers int) int64 {
	hi := maxContainerThreshold * int64(max(containers, 1))
	sum = min(max(sum, minThreshold), hi)
	return framework.MaxNodeScore * (sum - minThreshold) / (hi - minThreshold)
}

// NormalizedImageName adds the ":latest" tag an image reference without
// a tag implies, as upstream.
func NormalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}
