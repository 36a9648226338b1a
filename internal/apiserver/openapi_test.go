package apiserver

import (
	"net/http/httptest"
	"testing"
)

// TestAcceptsGzip: gzip (or *) is accepted unless its quality is zero or
// unreadable.
func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"gzip, deflate, br":  true,
		"deflate, gzip;q=1":  true,
		"*":                  true,
		"gzip; q=0.5":        true,
		"gzip;q=0":           false,
		"gzip;q=0.000":       false,
		" gzip ; q = 0 ":     false,
		"gzip;q=x":           false,
		"deflate, identity":  false,
		"identity;q=1, br":   false,
		"gzip;level=1":       true,
		"x-gzip, deflate":    false,
		"br;q=0.1, *;q=0.01": true,
	} {
		r := httptest.NewRequest("GET", "/openapi/v2", nil)
		if header != "" {
			r.Header.Set("Accept-Encoding", header)
		}
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v; want %v", header, got, want)
		}
	}
}
