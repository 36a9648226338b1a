package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestAuthorizeMetrics: each decision of the filter counts once in
// upstream's authorization_attempts_total and
// authorization_duration_seconds under its result, timed by the clock.
func TestAuthorizeMetrics(t *testing.T) {
	clock := time.Unix(0, 0)
	m := NewMetrics(func() time.Time { clock = clock.Add(3 * time.Millisecond); return clock })
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors()...)
	h := AuthorizeWithMetrics(http.NotFoundHandler(), onlyGets{}, m)
	alice := User{Name: "alice", Groups: []string{"system:authenticated"}}
	for _, method := range []string{"GET", "GET", "DELETE"} {
		r := httptest.NewRequest(method, "/api/v1/namespaces/default/pods/p", nil)
		h.ServeHTTP(httptest.NewRecorder(), r.WithContext(WithUser(r.Context(), alice)))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			key := f.GetName() + "/" + mt.GetLabel()[0].GetValue()
			switch {
			case mt.GetCounter() != nil:
				got[key] = mt.GetCounter().GetValue()
			case mt.GetHistogram() != nil:
				got[key+"/count"] = float64(mt.GetHistogram().GetSampleCount())
				got[key+"/sum"] = mt.GetHistogram().GetSampleSum()
			}
		}
	}
	want := map[string]float64{
		"authorization_attempts_total/allowed":            2,
		"authorization_attempts_total/no-opinion":         1,
		"authorization_duration_seconds/allowed/count":    2,
		"authorization_duration_seconds/allowed/sum":      0.006,
		"authorization_duration_seconds/no-opinion/count": 1,
		"authorization_duration_seconds/no-opinion/sum":   0.003,
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g < w-1e-9 || g > w+1e-9 {
			t.Errorf("%s = %v (present %v); want %v", k, g, ok, w)
		}
	}
}
