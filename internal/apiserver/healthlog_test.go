package apiserver

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestHealthLog: a failing check is logged when it starts failing or its
// reason changes, and once when it passes again; repeats are not.
func TestHealthLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var h healthLog
	notYet, gone := errors.New("not finished"), errors.New("etcd gone")
	for _, err := range []error{nil, notYet, notYet, notYet, gone, nil, nil, notYet} {
		h.report(log, "poststarthook/bootstrap", err)
	}
	h.report(log, "etcd", nil)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		_, msg, _ := strings.Cut(line, "msg=")
		got = append(got, msg)
	}
	want := []string{
		`"health check failed" check=poststarthook/bootstrap err="not finished"`,
		`"health check failed" check=poststarthook/bootstrap err="etcd gone"`,
		`"health check passed" check=poststarthook/bootstrap`,
		`"health check failed" check=poststarthook/bootstrap err="not finished"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
