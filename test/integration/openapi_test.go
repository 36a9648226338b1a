package integration

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
)

// TestOpenAPICompression: the OpenAPI documents go gzip-compressed to a
// client that accepts gzip and uncompressed to one that does not, with
// the same content.
func TestOpenAPICompression(t *testing.T) {
	for _, path := range []string{"/openapi/v2", "/openapi/v3/apis/apps/v1"} {
		resp, plain := do(t, rawRequest{method: "GET", path: path, accept: "application/json", acceptEncoding: "identity"})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !json.Valid(plain) {
			t.Fatalf("%s without gzip: code %d, Content-Encoding %q, %d bytes of valid JSON %v", path, resp.StatusCode,
				resp.Header.Get("Content-Encoding"), len(plain), json.Valid(plain))
		}
		resp, gz := do(t, rawRequest{method: "GET", path: path, accept: "application/json", acceptEncoding: "gzip, deflate"})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s with gzip: code %d, Content-Encoding %q, Content-Type %q", path, resp.StatusCode,
				resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain) {
			t.Errorf("%s: gzip body decompresses to %d bytes (err %v); want the %d uncompressed bytes", path, len(unzipped), err, len(plain))
		}
		if len(gz)*4 > len(plain) {
			t.Errorf("%s: %d compressed bytes for %d; want compression", path, len(gz), len(plain))
		}
		resp, _ = do(t, rawRequest{method: "GET", path: path, accept: "application/json", acceptEncoding: "gzip;q=0"})
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s with gzip;q=0: Content-Encoding %q; want none", path, resp.Header.Get("Content-Encoding"))
		}
	}
}
