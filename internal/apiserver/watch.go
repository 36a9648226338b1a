package apiserver

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff-dev/skiff/internal/storage"
)

// minWatchTimeout is upstream's --min-request-timeout: watches without a
// timeoutSeconds end after a random time between it and twice it.
const minWatchTimeout = 1800 * time.Second

func (s *Server) watchOptions(r *http.Request, ep *endpoint) (storage.WatchOptions, time.Duration, error) {
	ls, fs, err := selectors(r, ep)
	if err != nil {
		return storage.WatchOptions{}, 0, err
	}
	q := r.URL.Query()
	opts := storage.WatchOptions{
		Label:           ls,
		Field:           fs,
		ResourceVersion: q.Get("resourceVersion"),
		AllowBookmarks:  q.Get("allowWatchBookmarks") == "true",
	}
	match := q.Get("resourceVersionMatch")
	if v := q.Get("sendInitialEvents"); v != "" {
		b := v == "true"
		opts.SendInitialEvents = &b
		if match != string(metav1.ResourceVersionMatchNotOlderThan) {
			return opts, 0, apierrors.NewBadRequest("sendInitialEvents: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
		}
		if b && !opts.AllowBookmarks {
			return opts, 0, apierrors.NewBadRequest("allowWatchBookmarks: Forbidden: sendInitialEvents requires allowWatchBookmarks=true")
		}
	} else if match != "" {
		return opts, 0, apierrors.NewBadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
	}
	timeout := minWatchTimeout + time.Duration(rand.Int64N(int64(minWatchTimeout)))
	if v := q.Get("timeoutSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return opts, 0, apierrors.NewBadRequest(fmt.Sprintf("invalid timeoutSeconds %q", v))
		}
		timeout = time.Duration(n) * time.Second
	}
	return opts, timeout, nil
}

func (s *Server) handleWatch(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	acc, ok := negotiate(r)
	if !ok {
		return notAcceptable()
	}
	opts, timeout, err := s.watchOptions(r, ep)
	if err != nil {
		return err
	}
	if info.Name != "" {
		// A watch on a named object is a watch with a name field selector.
		opts.Field = andName(opts.Field, info.Name)
	}
	// A protobuf client is sent the cache's messages as they are.
	_, opts.Protobuf = protobufStore(r, ep)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wi, err := readStore(r, ep).Watch(ctx, info.Namespace, opts)
	if err != nil {
		return err
	}
	defer wi.Stop()
	sinfo, found := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), acc.mediaType)
	if !found || sinfo.StreamSerializer == nil {
		sinfo, _ = runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mediaJSON)
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", sinfo.MediaType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	ew := &eventWriter{s: s, w: w, r: r, ep: ep, acc: acc, sinfo: sinfo,
		enc:        streaming.NewEncoder(sinfo.StreamSerializer.Framer.NewFrameWriter(w), sinfo.StreamSerializer.Serializer),
		frames:     sinfo.MediaType == runtime.ContentTypeProtobuf,
		apiVersion: ep.gvk.GroupVersion().String()}
	s.metrics.watchers.Inc()
	defer s.metrics.watchers.Dec()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-wi.ResultChan():
			if !ok {
				return nil
			}
			if !ew.write(ev) {
				return nil
			}
			if len(wi.ResultChan()) == 0 && flusher != nil {
				flusher.Flush()
			}
		}
	}
}

// eventWriter writes one watch connection's events.
type eventWriter struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	ep    *endpoint
	acc   accepted
	sinfo runtime.SerializerInfo
	enc   streaming.Encoder
	buf   bytes.Buffer
	// frames: stored messages go to this protobuf watcher as frames built
	// in one pass (appendWatchFrame), into frame; other events through
	// the encoders.
	frames     bool
	apiVersion string
	frame      []byte
}

// write writes ev; false means the connection is done.
func (ew *eventWriter) write(ev watch.Event) bool {
	m, stored := ev.Object.(*storage.Message)
	if stored && ew.frames {
		ew.frame = appendWatchFrame(ew.frame[:0], string(ev.Type), ew.apiVersion, ew.ep.gvk.Kind, m.Bytes)
		_, err := ew.w.Write(ew.frame)
		if cap(ew.frame) > maxKeptFrame {
			ew.frame = nil
		}
		return err == nil
	}
	var obj runtime.Object
	if stored {
		obj = envelope(ew.ep.gvk, m.Bytes)
	} else {
		var err error
		if obj, err = ew.s.watchObject(ew.r, ew.ep, ew.acc, ev); err != nil {
			ew.s.log.Error("watch transform", "err", err)
			return false
		}
	}
	ew.buf.Reset()
	if err := ew.sinfo.Serializer.Encode(obj, &ew.buf); err != nil {
		ew.s.log.Error("watch encode", "err", err)
		return false
	}
	out := &metav1.WatchEvent{Type: string(ev.Type), Object: runtime.RawExtension{Raw: ew.buf.Bytes()}}
	return ew.enc.Encode(out) == nil
}

// watchObject is the object an event carries in the negotiated form. An
// ERROR event carries a Status.
func (s *Server) watchObject(r *http.Request, ep *endpoint, acc accepted, ev watch.Event) (runtime.Object, error) {
	if ev.Type == watch.Error {
		if st, ok := ev.Object.(*metav1.Status); ok {
			setGVK(st, metav1.SchemeGroupVersion.WithKind("Status"))
			return st, nil
		}
		return ev.Object, nil
	}
	switch acc.kind {
	case outputTable:
		if ev.Type == watch.Bookmark {
			return ev.Object, nil
		}
		table, err := s.toTable(r, printerOf(ep), []runtime.Object{ev.Object}, metav1.ListMeta{})
		if err != nil {
			return nil, err
		}
		return table, nil
	case outputPartialMetadata:
		return partialMetadata(ev.Object, acc.tableVersion), nil
	}
	return ev.Object, nil
}
