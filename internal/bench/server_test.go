package bench

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    Memory
		wantErr bool
	}{
		{name: "typical", status: "Name:\tskiff\n\nVmPeak:\t 2000 kB\nVmRSS:\t   98304 kB\nRssAnon:\t 1024 kB\nRssFile:\t 97280 kB\n",
			want: Memory{RSS: 96, Anon: 1, File: 95}},
		{name: "no split", status: "VmRSS:\t 512 kB\n", want: Memory{RSS: 0.5}},
		{name: "missing", status: "Name:\tskiff\nVmPeak:\t 2000 kB\n", wantErr: true},
		{name: "odd unit", status: "VmRSS:\t 12 MB\n", wantErr: true},
		{name: "not a number", status: "VmRSS:\t lots kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus([]byte(tt.status))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatus(%q) error = %v; want error: %v", tt.status, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStatus(%q) = %+v; want %+v", tt.status, got, tt.want)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{name: "skiff", stat: "4242 (skiff) S 1 4242 4242 0 -1 4194560 90 0 0 0 150 25 0 0 20 0 12 0 100 0 0\n", want: 1750 * time.Millisecond},
		{name: "name with spaces and parentheses", stat: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0\n", want: 70 * time.Millisecond},
		{name: "no command name", stat: "7 a R 1", wantErr: true},
		{name: "truncated", stat: "7 (a) R 1 2 3", wantErr: true},
		{name: "not a number", stat: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 4 0\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.stat))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseStat(%q) = %v, %v; want %v, error %v", tt.stat, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestWaitQuiet(t *testing.T) {
	start := func(script string) *child {
		t.Helper()
		cmd := exec.Command("sh", "-c", script)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %q: %v", script, err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return &child{cmd: cmd}
	}
	ctx := context.Background()
	if waited, quiet := start("sleep 30").waitQuiet(ctx, 200*time.Millisecond, 5*time.Second); !quiet || waited > 2*time.Second {
		t.Errorf("a sleeping child: waited %v, quiet %v; want quiet after one window", waited, quiet)
	}
	if waited, quiet := start("while :; do :; done").waitQuiet(ctx, 200*time.Millisecond, time.Second); quiet || waited < time.Second {
		t.Errorf("a spinning child: waited %v, quiet %v; want busy until the limit", waited, quiet)
	}
}
