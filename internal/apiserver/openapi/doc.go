// Package openapi builds the OpenAPI documents the API server serves: the
// swagger 2.0 document (/openapi/v2, as JSON and as gnostic protobuf) and
// one OpenAPI 3.0 document per group version (/openapi/v3/<path>), plus
// the v3 discovery index (/openapi/v3). It owns nothing else: the HTTP
// handlers, content negotiation and ETag/caching headers belong to the
// server.
//
// The documents follow upstream's generated ones so that real kubectl
// (1.27 and later) works unchanged:
//
//   - definitions are built by reflection over the k8s.io/api Go types and
//     named as upstream names them ("io.k8s.api.apps.v1.Deployment"), with
//     descriptions from each type's SwaggerDoc, properties and required
//     fields from JSON tags, patch strategy and merge key from struct
//     tags, and x-kubernetes-list-type / list-map-keys / map-type from the
//     structured-merge-diff schema client-go ships (the same schema
//     server-side apply uses);
//   - every served kind, its list, and the subresource kinds (Scale,
//     Eviction, Binding) carry x-kubernetes-group-version-kind, as do
//     DeleteOptions and WatchEvent for every served group version;
//   - every operation has upstream's operationId, x-kubernetes-action and
//     x-kubernetes-group-version-kind, and every PATCH lists the
//     fieldValidation query parameter: kubectl looks for exactly that to
//     decide that the server validates fields itself;
//   - v3 wraps a $ref that has a description or default in allOf and
//     carries the zero defaults upstream's generator enforces; v2 has
//     plain $ref siblings and no defaults.
//
// Building takes a fraction of a second and is done once, lazily. The
// documents are kept gzip-compressed (Doc), a tenth of their size; a
// server sends the compressed bytes to clients that accept gzip:
//
//	b := openapi.NewBuilder(resources, "v1.33.0") // cheap; call at startup
//	...
//	doc, err := b.V2Doc()         // GET /openapi/v2 (application/json)
//	pb, err := b.V2ProtobufDoc()  // GET /openapi/v2 (protobuf; what kubectl asks for)
//	idx := b.V3Discovery()        // GET /openapi/v3
//	gv, ok := b.V3Doc("apis/apps/v1")
//	body := doc.Gzip()            // as kept (Content-Encoding: gzip)
//	_, err = doc.WriteTo(w)       // or uncompressed
//
// V2, V2Protobuf and V3Paths return the documents uncompressed, in new
// slices (tests and tools); a Doc's Gzip bytes and V3Discovery are shared
// and read-only.
package openapi
