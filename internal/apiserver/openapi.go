package apiserver

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/apiserver/openapi"
)

// OpenAPISource provides the OpenAPI documents the server publishes.
type OpenAPISource interface {
	V2Doc() (openapi.Doc, error)
	V2ProtobufDoc() (openapi.Doc, error)
	V3Discovery() []byte
	V3Doc(key string) (openapi.Doc, bool)
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	src := s.cfg.OpenAPI
	if src == nil {
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
		return
	}
	switch {
	case r.URL.Path == "/openapi/v2":
		if wantsV2Protobuf(r) {
			doc, err := src.V2ProtobufDoc()
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			writeDoc(w, r, openapi.ContentTypeV2Protobuf, doc)
			return
		}
		if !acceptsJSON(r) {
			http.Error(w, "only application/json and the OpenAPI v2 protobuf are served", http.StatusNotAcceptable)
			return
		}
		doc, err := src.V2Doc()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeDoc(w, r, "application/json", doc)
	case r.URL.Path == "/openapi/v3":
		writeJSONBytes(w, src.V3Discovery())
	case strings.HasPrefix(r.URL.Path, "/openapi/v3/"):
		doc, ok := src.V3Doc(strings.TrimPrefix(r.URL.Path, "/openapi/v3/"))
		if !ok {
			s.writeError(w, r, errNotFoundPath(r.URL.Path))
			return
		}
		if !acceptsJSON(r) {
			http.Error(w, "only application/json is served", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Cache-Control", "public, immutable")
		writeDoc(w, r, "application/json", doc)
	default:
		s.writeError(w, r, errNotFoundPath(r.URL.Path))
	}
}

// wantsV2Protobuf reports whether the client prefers the protobuf form of
// the v2 document (kubectl asks for it first), in either spelling.
func wantsV2Protobuf(r *http.Request) bool {
	first := strings.TrimSpace(strings.SplitN(r.Header.Get("Accept"), ",", 2)[0])
	mt := strings.TrimSpace(strings.SplitN(first, ";", 2)[0])
	return mt == openapi.ContentTypeV2Protobuf || mt == openapi.AcceptV2ProtobufLegacy
}

// acceptsJSON reports whether JSON is among the accepted media types.
func acceptsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if mt == "application/json" || mt == "*/*" || mt == "application/*" {
			return true
		}
	}
	return false
}

func writeJSONBytes(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

// writeDoc writes an OpenAPI document: as kept, gzip-compressed, to a
// client that accepts gzip (upstream compresses large responses the same
// way), uncompressed to any other.
func writeDoc(w http.ResponseWriter, r *http.Request, contentType string, doc openapi.Doc) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(doc.Gzip())
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = doc.WriteTo(w)
}

// acceptsGzip reports whether Accept-Encoding lists gzip (or *) with a
// quality above zero.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if c := strings.TrimSpace(coding); c != "gzip" && c != "*" {
			continue
		}
		name, value, _ := strings.Cut(params, "=")
		if strings.TrimSpace(name) == "q" {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			return err == nil && q > 0
		}
		return true
	}
	return false
}
