package scheduler

import (
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func names[T framework.Plugin](pls []T) string {
	out := make([]string, len(pls))
	for i, pl := range pls {
		out[i] = pl.Name()
	}
	return strings.Join(out, ",")
}

// TestProfileExtensionPoints: every configured extension point is run or
// rejected; multiPoint spreads over the points a plugin implements.
func TestProfileExtensionPoints(t *testing.T) {
	tests := []struct {
		name    string
		plugins string
		wantErr string
		// want maps an extension point to its plugins, comma-separated.
		want map[string]string
	}{
		{name: "defaults", want: map[string]string{
			"preFilter": "NodeResourcesFit,VolumeBinding,PodTopologySpread,InterPodAffinity",
			"preScore":  "NodeResourcesFit,PodTopologySpread,InterPodAffinity,NodeResourcesBalancedAllocation,ImageLocality",
			"reserve":   "VolumeBinding", "preBind": "VolumeBinding",
		}},
		{name: "permit is rejected", plugins: "permit: {enabled: [{name: NodeName}]}", wantErr: "plugins.permit.enabled: plugin NodeName: Skiff runs no permit plugins"},
		{name: "bind is rejected", plugins: "bind: {enabled: [{name: NodeName}]}", wantErr: "Skiff runs no bind plugins"},
		{name: "postBind is rejected", plugins: "postBind: {enabled: [{name: NodeName}]}", wantErr: "Skiff runs no postBind plugins"},
		{name: "reserve needs a reserve plugin", plugins: "reserve: {enabled: [{name: NodeName}]}", wantErr: "plugins.reserve: plugin NodeName does not implement reserve"},
		{name: "preBind needs a preBind plugin", plugins: "preBind: {enabled: [{name: NodeName}]}", wantErr: "plugins.preBind: plugin NodeName does not implement preBind"},
		{name: "preFilter needs a preFilter plugin", plugins: "preFilter: {enabled: [{name: NodeName}]}", wantErr: "plugins.preFilter: plugin NodeName does not implement preFilter"},
		{name: "preFilter disabled alone", plugins: "preFilter: {disabled: [{name: NodeResourcesFit}]}", want: map[string]string{
			"preFilter": "VolumeBinding,PodTopologySpread,InterPodAffinity",
			"filter":    "NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,VolumeBinding,PodTopologySpread,InterPodAffinity",
		}},
		{name: "preScore disabled", plugins: "preScore: {disabled: [{name: '*'}]}", want: map[string]string{"preScore": ""}},
		{name: "multiPoint replaces the defaults", plugins: "multiPoint: {enabled: [{name: PrioritySort}, {name: NodeResourcesFit, weight: 5}, {name: NodeName}], disabled: [{name: '*'}]}",
			want: map[string]string{"queueSort": "PrioritySort", "filter": "NodeResourcesFit,NodeName", "preFilter": "NodeResourcesFit", "score": "NodeResourcesFit",
				"preScore": "NodeResourcesFit", "postFilter": "", "weight": "5"}},
		{name: "multiPoint beside a point's own setting", plugins: "multiPoint: {disabled: [{name: '*'}], enabled: [{name: PrioritySort}, {name: NodeResourcesFit}]}\n    filter: {enabled: [{name: NodeName}], disabled: [{name: NodeResourcesFit}]}",
			want: map[string]string{"filter": "NodeName", "preFilter": "NodeResourcesFit", "score": "NodeResourcesFit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n"
			if tt.plugins != "" {
				in += "  plugins:\n    " + tt.plugins + "\n"
			}
			cfg, err := ParseConfig([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Config{Client: fake.NewSimpleClientset(), Configuration: cfg})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() = %v; want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			prof := s.profiles[DefaultSchedulerName]
			got := map[string]string{"queueSort": prof.queueSort.Name(), "preFilter": names(prof.preFilter), "filter": names(prof.filter),
				"postFilter": names(prof.postFilter), "preScore": names(prof.preScore), "score": names(prof.score),
				"reserve": names(prof.reserve), "preBind": names(prof.preBind), "weight": ""}
			if w, ok := prof.weights["NodeResourcesFit"]; ok {
				got["weight"] = strconv.FormatInt(w, 10)
			}
			for point, want := range tt.want {
				if got[point] != want {
					t.Errorf("%s = %q; want %q", point, got[point], want)
				}
			}
		})
	}
}
