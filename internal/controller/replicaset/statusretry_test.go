package replicaset

import (
	"context"
	"errors"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type obj struct{ rv, status string }

// fakeStatusClient answers UpdateStatus from updates, in turn, and Get
// with the object at rv 2 and an old status.
type fakeStatusClient struct {
	updates []error
	getErr  error
	gets    int
	written []obj
}

func (f *fakeStatusClient) UpdateStatus(_ context.Context, o *obj, _ metav1.UpdateOptions) (*obj, error) {
	f.written = append(f.written, *o)
	err := f.updates[0]
	f.updates = f.updates[1:]
	return o, err
}

func (f *fakeStatusClient) Get(_ context.Context, name string, _ metav1.GetOptions) (*obj, error) {
	f.gets++
	if name != "rs" {
		return nil, errors.New("read of " + name + ", want rs")
	}
	return &obj{rv: "2", status: "old"}, f.getErr
}

func TestUpdateStatusRetrying(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "replicasets"}, "rs", errors.New("stale"))
	boom := errors.New("boom")
	carry := func(from, to *obj) { to.status = from.status }
	for _, tc := range []struct {
		name    string
		updates []error // what each update returns, in turn
		getErr  error
		want    error
		gets    int
		written []obj
	}{
		{name: "first write lands", updates: []error{nil}, written: []obj{{"1", "new"}}},
		{name: "conflict, then the latest lands", updates: []error{conflict, nil}, gets: 1,
			written: []obj{{"1", "new"}, {"2", "new"}}},
		{name: "two conflicts", updates: []error{conflict, conflict}, gets: 1, want: conflict,
			written: []obj{{"1", "new"}, {"2", "new"}}},
		{name: "other errors are not retried", updates: []error{boom}, want: boom, written: []obj{{"1", "new"}}},
		{name: "a failed read wins over the conflict", updates: []error{conflict}, getErr: boom, gets: 1, want: boom,
			written: []obj{{"1", "new"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeStatusClient{updates: tc.updates, getErr: tc.getErr}
			err := UpdateStatusRetrying(context.Background(), c, "rs", &obj{rv: "1", status: "new"}, carry)
			gets, written := c.gets, c.written
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if gets != tc.gets {
				t.Errorf("%d reads, want %d", gets, tc.gets)
			}
			if !slices.Equal(written, tc.written) {
				t.Errorf("written %v, want %v", written, tc.written)
			}
		})
	}
}
