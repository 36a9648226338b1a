package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/storage"
)

// selectors parses labelSelector and fieldSelector; a field selector on a
// field the kind does not support is 400, as upstream.
func selectors(r *http.Request, ep *endpoint) (labels.Selector, fields.Selector, error) {
	q := r.URL.Query()
	// The parsers' errors are upstream's messages as they are.
	ls, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(err.Error())
	}
	fs, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(err.Error())
	}
	sample := ep.res.New()
	for _, req := range fs.Requirements() {
		if !apis.FieldLabelSupported(sample, req.Field) {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return ls, fs, nil
}

func (s *Server) listOptions(r *http.Request, ep *endpoint) (storage.ListOptions, error) {
	ls, fs, err := selectors(r, ep)
	if err != nil {
		return storage.ListOptions{}, err
	}
	q := r.URL.Query()
	opts := storage.ListOptions{
		Label:                ls,
		Field:                fs,
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: q.Get("resourceVersionMatch"),
		Continue:             q.Get("continue"),
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid limit %q", l))
		}
		opts.Limit = n
	}
	switch opts.ResourceVersionMatch {
	case "", "NotOlderThan", "Exact":
	default:
		return opts, apierrors.NewBadRequest(fmt.Sprintf("resourceVersionMatch: Unsupported value: %q", opts.ResourceVersionMatch))
	}
	if opts.ResourceVersionMatch != "" && opts.ResourceVersion == "" {
		return opts, apierrors.NewBadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
	}
	if opts.Continue != "" && opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
		return opts, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	return opts, nil
}

func (s *Server) handleList(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	opts, err := s.listOptions(r, ep)
	if err != nil {
		return err
	}
	res, err := readStore(r, ep).List(ctx, info.Namespace, opts)
	if err != nil {
		return err
	}
	if _, ok := protobufStore(r, ep); ok {
		return s.listProtobuf(w, r, ep, res)
	}
	list := newList(r, ep)
	setGVK(list, ep.gvk.GroupVersion().WithKind(ep.res.ListKind()))
	items := res.Objects()
	if err := meta.SetList(list, items); err != nil {
		return apierrors.NewInternalError(err)
	}
	lm, _ := meta.ListAccessor(list)
	lm.SetResourceVersion(strconv.FormatUint(res.ResourceVersion, 10))
	lm.SetContinue(res.Continue)
	lm.SetRemainingItemCount(res.RemainingItemCount)
	return s.writeTransformedList(w, r, ep, list, items)
}
