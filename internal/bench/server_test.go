package bench

import "testing"

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
