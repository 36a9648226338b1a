package apiserver

import (
	"net/http"
	"net/url"
	"strings"
)

// queryValue is r.URL.Query().Get(key) without building the map of every
// parameter: requests read a few parameters each, one at a time, and most
// carry none. Pairs are read as url.ParseQuery reads them: a pair with a
// semicolon or an escape that does not decode is skipped, and the first
// value given for key is returned.
func queryValue(r *http.Request, key string) string {
	q := r.URL.RawQuery
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k != key {
			if !strings.ContainsAny(k, "%+") {
				continue
			}
			if uk, err := url.QueryUnescape(k); err != nil || uk != key {
				continue
			}
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv
		}
	}
	return ""
}
