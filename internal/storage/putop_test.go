package storage

import "testing"

// putOp's value is a copy: the caller may reuse its bytes once it returns.
func TestPutOpCopiesValue(t *testing.T) {
	data := []byte("stored")
	op := putOp("/k", data)
	copy(data, "reused")
	if got := string(op.ValueBytes()); got != "stored" {
		t.Fatalf("put value = %q after the caller reused its bytes; want %q", got, "stored")
	}
	if got := string(putOp("/k", nil).ValueBytes()); got != "" {
		t.Fatalf("empty put value = %q", got)
	}
}
