package bench

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "defaults", cfg: Config{Binary: "skiff", Workers: 1, Count: 1, ListCount: 1}},
		{name: "heap profile with pods", cfg: Config{Binary: "skiff", Workers: 1, Count: 1, ListCount: 1, Objects: 10, ServerHeapProfile: "/tmp/h"}},
		{name: "heap profile without pods", cfg: Config{Binary: "skiff", Workers: 1, Count: 1, ListCount: 1, ServerHeapProfile: "/tmp/h"},
			wantErr: "objects is 0"},
		{name: "cpu profile without pods", cfg: Config{Binary: "skiff", Workers: 1, Count: 1, ListCount: 1, ServerCPUProfile: "/tmp/c"},
			wantErr: "while the pods are stored"},
		{name: "negative cpu profile seconds", cfg: Config{Binary: "skiff", Workers: 1, Count: 1, ListCount: 1, Objects: 10, ServerCPUProfile: "/tmp/c", ServerCPUProfileSeconds: -1},
			wantErr: "must not be negative"},
		{name: "negative workers", cfg: Config{Binary: "skiff", Workers: -1, Count: 1, ListCount: 1}, wantErr: "want workers"},
		{name: "negative rate", cfg: Config{Binary: "skiff", Workers: 1, Count: 1, ListCount: 1, Rate: -5}, wantErr: "rate -5: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("validate() = %v; want nil", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("validate() = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigClientGOGC(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, -1}, {-5, -1}, {-1, -1}, {100, 100}} {
		cfg := Config{Binary: "skiff", ClientGOGC: tc.in}
		if err := cfg.validate(); err != nil {
			t.Fatal(err)
		}
		if cfg.ClientGOGC != tc.want {
			t.Errorf("ClientGOGC %d validated to %d; want %d", tc.in, cfg.ClientGOGC, tc.want)
		}
	}
}
