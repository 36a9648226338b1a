package bench

import "testing"

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr bool
	}{
		{name: "typical", status: "Name:\tskiff\nVmPeak:\t 2000 kB\nVmRSS:\t   98304 kB\nRssAnon:\t 1 kB\n", want: 98304 * 1024},
		{name: "missing", status: "Name:\tskiff\nVmPeak:\t 2000 kB\n", wantErr: true},
		{name: "odd unit", status: "VmRSS:\t 12 MB\n", wantErr: true},
		{name: "not a number", status: "VmRSS:\t lots kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmRSS([]byte(tt.status))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseVmRSS(%q) error = %v; want error: %v", tt.status, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseVmRSS(%q) = %d; want %d", tt.status, got, tt.want)
			}
		})
	}
}
