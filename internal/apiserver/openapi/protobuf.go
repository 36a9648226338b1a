package openapi

import (
	"fmt"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

// Media types of the protobuf v2 document. Clients ask with either Accept
// value; the answer's Content-Type must be ContentTypeV2Protobuf, because
// client-go parses it with mime.ParseMediaType, which rejects the "@" of
// the older spelling (as upstream's handler does, it answers with the
// dotted one).
const (
	ContentTypeV2Protobuf  = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
	AcceptV2ProtobufLegacy = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
)

// V2Protobuf returns the swagger 2.0 document encoded as the gnostic
// OpenAPIv2 protobuf message, the media type
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf.
//
// kubectl and client-go ask /openapi/v2 for this media type only and
// unmarshal the answer as protobuf; they have no JSON fallback (older
// client-go retried a 406 at /swagger-2.0.0.pb-v1, again as protobuf). So
// the server must serve it. Converting takes a while (gnostic parses the
// JSON document), so it is done once, on first use, and cached.
func (b *Builder) V2Protobuf() ([]byte, error) {
	d, err := b.V2ProtobufDoc()
	if err != nil {
		return nil, err
	}
	return d.Bytes()
}

// V2ProtobufDoc is V2Protobuf's document as kept.
func (b *Builder) V2ProtobufDoc() (Doc, error) {
	b.protoOnce.Do(func() {
		var doc, pb []byte
		if doc, b.protoErr = b.V2(); b.protoErr != nil {
			return
		}
		if pb, b.protoErr = toProtobuf(doc); b.protoErr != nil {
			return
		}
		b.proto, b.protoErr = compress(pb)
	})
	return b.proto, b.protoErr
}

func toProtobuf(jsonDoc []byte) ([]byte, error) {
	doc, err := openapiv2.ParseDocument(jsonDoc)
	if err != nil {
		return nil, fmt.Errorf("parse openapi v2 document: %w", err)
	}
	out, err := proto.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode openapi v2 protobuf: %w", err)
	}
	return out, nil
}
