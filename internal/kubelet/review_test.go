package kubelet

import (
	"context"
	"testing"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	testclock "k8s.io/utils/clock/testing"
)

// TestReviewAuthorizer checks the SubjectAccessReview it sends and its
// cache: allowed decisions for 5 min, denied ones for 30 s.
func TestReviewAuthorizer(t *testing.T) {
	cs := fake.NewClientset()
	var reviews []authzv1.SubjectAccessReviewSpec
	cs.PrependReactor("create", "subjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		sar := a.(k8stesting.CreateAction).GetObject().(*authzv1.SubjectAccessReview)
		reviews = append(reviews, sar.Spec)
		out := sar.DeepCopy()
		out.Status.Allowed = sar.Spec.User == "admin"
		return true, out, nil
	})
	clk := testclock.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	az := NewReviewAuthorizer(cs, clk)
	ctx := context.Background()
	admin := Attributes{User: "admin", Groups: []string{"system:masters"}, Verb: "get", Subresource: "metrics", Name: "n1"}
	alice := Attributes{User: "alice", Verb: "get", Subresource: "metrics", Name: "n1"}
	steps := []struct {
		name    string
		advance time.Duration
		a       Attributes
		want    bool
		reviews int
	}{
		{"admin asks", 0, admin, true, 1},
		{"admin cached", 4 * time.Minute, admin, true, 1},
		{"alice asks", 0, alice, false, 2},
		{"alice cached", 29 * time.Second, alice, false, 2},
		{"alice expired", time.Second, alice, false, 3},
		{"admin expired", 2 * time.Minute, admin, true, 4},
		{"admin on another node", 0, Attributes{User: "admin", Verb: "get", Subresource: "metrics", Name: "n2"}, true, 5},
	}
	for _, s := range steps {
		clk.SetTime(clk.Now().Add(s.advance))
		got, err := az.Authorize(ctx, s.a)
		if err != nil || got != s.want || len(reviews) != s.reviews {
			t.Errorf("%s: Authorize(%+v) = %v, %v after %d reviews; want %v after %d", s.name, s.a, got, err, len(reviews), s.want, s.reviews)
		}
	}
	want := authzv1.ResourceAttributes{Verb: "get", Version: "v1", Resource: "nodes", Subresource: "metrics", Name: "n1"}
	if r := reviews[0]; r.User != "admin" || len(r.Groups) != 1 || r.Groups[0] != "system:masters" || *r.ResourceAttributes != want {
		t.Errorf("first review = %+v %+v; want user admin, groups [system:masters], %+v", r, r.ResourceAttributes, want)
	}
}
