package apiserver

import (
	"context"
	"net/http"
)

func (s *Server) handleGet(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	if info.Subresource == "log" {
		return s.handlePodLog(ctx, w, r, ep, info)
	}
	if st, ok := protobufStore(r, ep); ok && info.Subresource == "" {
		return s.getProtobuf(ctx, w, r, ep, st, info)
	}
	obj, err := readStore(r, ep).Get(ctx, info.Namespace, info.Name, queryValue(r, "resourceVersion"))
	if err != nil {
		return err
	}
	if info.Subresource == "scale" {
		scale, err := scaleOf(ep, obj)
		if err != nil {
			return err
		}
		return s.writeTransformedWith(w, r, scalePrinter, scale)
	}
	return s.writeTransformed(w, r, ep, obj, false)
}
