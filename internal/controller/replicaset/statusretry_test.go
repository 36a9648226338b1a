package replicaset

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type obj struct{ rv, status string }

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
			var written []obj
			gets := 0
			update := func(_ context.Context, o *obj) error {
				written = append(written, *o)
				err := tc.updates[0]
				tc.updates = tc.updates[1:]
				return err
			}
			get := func(context.Context) (*obj, error) {
				gets++
				return &obj{rv: "2", status: "old"}, tc.getErr
			}
			err := UpdateStatusRetrying(context.Background(), &obj{rv: "1", status: "new"}, update, get, carry)
			if !errors.Is(err, tc.want) && err != tc.want {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if gets != tc.gets {
				t.Errorf("%d reads, want %d", gets, tc.gets)
			}
			if len(written) != len(tc.written) {
				t.Fatalf("written %v, want %v", written, tc.written)
			}
			for i := range written {
				if written[i] != tc.written[i] {
					t.Errorf("write %d: %v, want %v", i, written[i], tc.written[i])
				}
			}
		})
	}
}
