package apiserver

import (
	"net/http"
	"net/url"
	"testing"
)

// TestQueryValue: queryValue reads a parameter as url.Values.Get does,
// escapes, repeats, bad pairs and empty values included.
func TestQueryValue(t *testing.T) {
	raws := []string{
		"",
		"watch=true",
		"a=1&watch=1&watch=0",
		"watch",
		"watch=",
		"%77atch=true",
		"wat+ch=x&watch=y",
		"watch=%zz&watch=ok",
		"watch=a;b&watch=c",
		"x=%41&&watch=a%20b+c",
		"resourceVersion=12&pretty=true",
		"%zz=1&watch=2",
	}
	for _, raw := range raws {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		for _, key := range []string{"watch", "pretty", "resourceVersion", "x", "wat ch"} {
			if got, want := queryValue(r, key), r.URL.Query().Get(key); got != want {
				t.Errorf("queryValue(%q, %q) = %q; want %q", raw, key, got, want)
			}
		}
	}
}

func FuzzQueryValue(f *testing.F) {
	f.Add("a=1&watch=true", "watch")
	f.Add("%77atch=%zz&watch=x;y&watch=1", "watch")
	f.Fuzz(func(t *testing.T, raw, key string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		if got, want := queryValue(r, key), r.URL.Query().Get(key); got != want {
			t.Errorf("queryValue(%q, %q) = %q; want %q", raw, key, got, want)
		}
	})
}
