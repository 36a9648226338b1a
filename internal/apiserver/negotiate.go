package apiserver

import (
	"mime"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Media types the server speaks.
const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// outputKind is what shape of response the client asked for.
type outputKind int

const (
	outputObject outputKind = iota
	outputTable
	outputPartialMetadata
)

// accepted is the negotiated response form.
type accepted struct {
	mediaType string
	kind      outputKind
	// tableVersion is the meta.k8s.io version the client asked for (v1 or v1beta1).
	tableVersion string
}

// negotiate picks the first Accept clause the server can answer, as
// upstream's negotiation does. An Accept header naming nothing servable
// yields 406 NotAcceptable.
func negotiate(r *http.Request) (accepted, bool) {
	header := r.Header.Get("Accept")
	if header == "" {
		return accepted{mediaType: mediaJSON}, true
	}
	for rest := header; rest != ""; {
		var clause string
		clause, rest, _ = strings.Cut(rest, ",")
		clause = strings.TrimSpace(clause)
		if media := servedMedia(clause); media != "" {
			// A bare media type, as most clients send: what
			// mime.ParseMediaType would read, without its map.
			return accepted{mediaType: media}, true
		}
		mt, params, err := mime.ParseMediaType(clause)
		if err != nil {
			continue
		}
		media := servedMedia(mt)
		if media == "" {
			continue
		}
		as := params["as"]
		switch as {
		case "":
			return accepted{mediaType: media}, true
		case "Table":
			if params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1") {
				return accepted{mediaType: media, kind: outputTable, tableVersion: params["v"]}, true
			}
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			if params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1") {
				return accepted{mediaType: media, kind: outputPartialMetadata, tableVersion: params["v"]}, true
			}
		}
	}
	return accepted{}, false
}

// servedMedia is the media type the server answers a request for media
// type mt with, "" for none.
func servedMedia(mt string) string {
	switch mt {
	case mediaJSON, "*/*", "application/*":
		return mediaJSON
	case mediaYAML, mediaProtobuf:
		return mt
	}
	return ""
}

// writeObject encodes obj with the negotiated media type. Objects written
// here must carry their apiVersion and kind.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, code int, obj runtime.Object) {
	acc, ok := negotiate(r)
	if !ok {
		acc = accepted{mediaType: mediaJSON}
	}
	info, found := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), acc.mediaType)
	if !found {
		info, _ = runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mediaJSON)
	}
	enc := info.Serializer
	if queryValue(r, "pretty") == "true" && info.PrettySerializer != nil {
		enc = info.PrettySerializer
	}
	setContentType(w.Header(), info.MediaType)
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	if err := enc.Encode(obj, w); err != nil {
		s.log.Error("encode response", "err", err)
	}
}

// Content-Type values of the media types the server writes, one slice
// each for every response (net/http only reads them).
var (
	jsonContentType     = []string{mediaJSON}
	yamlContentType     = []string{mediaYAML}
	protobufContentType = []string{mediaProtobuf}
)

// setContentType sets h's Content-Type to mediaType, without a new slice
// for the media types the server writes.
func setContentType(h http.Header, mediaType string) {
	switch mediaType {
	case mediaJSON:
		h["Content-Type"] = jsonContentType
	case mediaYAML:
		h["Content-Type"] = yamlContentType
	case mediaProtobuf:
		h["Content-Type"] = protobufContentType
	default:
		h.Set("Content-Type", mediaType)
	}
}

// setGVK stamps the apiVersion and kind on an object the server built.
func setGVK(obj runtime.Object, gvk schema.GroupVersionKind) {
	obj.GetObjectKind().SetGroupVersionKind(gvk)
}

var metaV1 = metav1.SchemeGroupVersion
