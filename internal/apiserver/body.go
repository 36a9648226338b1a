package apiserver

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metascheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/skiff-dev/skiff/internal/apis/newerfields"
)

// Field validation modes, as the fieldValidation query parameter names them.
const (
	validationStrict = "Strict"
	validationWarn   = "Warn"
	validationIgnore = "Ignore"
)

// readBody reads at most maxBodyBytes; a larger body is 413.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBodyBytes {
		return nil, errTooLarge()
	}
	data, err := readAll(io.LimitReader(r.Body, maxBodyBytes+1), r.ContentLength)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	if len(data) > maxBodyBytes {
		return nil, errTooLarge()
	}
	return data, nil
}

// readAll is io.ReadAll reading into one slice of size+1 bytes when the
// body's size is known (the last byte leaves room for the read that
// meets its end), where io.ReadAll starts at 512 bytes and grows: four
// or five allocations for a pod. It sets aside at most preallocMax
// before any byte arrives, so that a client announcing a large body and
// sending it slowly holds no more of the server's memory than it sent.
func readAll(r io.Reader, size int64) ([]byte, error) {
	capacity := int64(512)
	if size > 0 {
		capacity = min(size+1, preallocMax)
	}
	b := make([]byte, 0, capacity)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// preallocMax bounds readAll's first allocation (64 KiB).
const preallocMax = 64 << 10

func errTooLarge() error {
	return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBodyBytes))
}

// fieldValidation returns the request's field validation mode; Warn is the
// server default as upstream.
func fieldValidation(r *http.Request) (string, error) {
	switch v := queryValue(r, "fieldValidation"); v {
	case "", validationWarn:
		return validationWarn, nil
	case validationStrict, validationIgnore:
		return v, nil
	default:
		return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation parameter unsupported: %v", v))
	}
}

// isDryRun reads the dryRun parameter: only "All" is valid.
func isDryRun(r *http.Request) (bool, error) {
	vals := r.URL.Query()["dryRun"]
	for _, v := range vals {
		if v != metav1.DryRunAll {
			return false, apierrors.NewBadRequest(fmt.Sprintf("Invalid dry run value: %q, valid values are: %q", v, metav1.DryRunAll))
		}
	}
	return len(vals) > 0, nil
}

// unsupportedMediaType is upstream's 415 for a body it cannot read.
func unsupportedMediaType(contentType string, accepted []string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusUnsupportedMediaType,
		Reason: metav1.StatusReasonUnsupportedMediaType,
		Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s",
			strings.Join(accepted, ", ")),
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: metav1.CauseTypeUnexpectedServerResponse, Message: contentType}}},
	}}
}

// decodeBody decodes a create or update body into a new object of the
// endpoint's kind. Under Strict, unknown and duplicate fields are 400;
// under Warn they come back as warnings.
func (s *Server) decodeBody(r *http.Request, body []byte, ep *endpoint, mode string) (runtime.Object, []string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = mediaJSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, nil, unsupportedMediaType(ct, s.bodyMediaTypes())
	}
	info, ok := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mt)
	if !ok {
		return nil, nil, unsupportedMediaType(ct, s.bodyMediaTypes())
	}
	return s.decodeWith(info, body, ep, mode)
}

func (s *Server) decodeWith(info runtime.SerializerInfo, body []byte, ep *endpoint, mode string) (runtime.Object, []string, error) {
	gvk := ep.gvk
	dec := info.Serializer
	if mode != validationIgnore && info.StrictSerializer != nil {
		dec = info.StrictSerializer
	}
	into := ep.res.New()
	obj, got, err := dec.Decode(body, &gvk, into)
	var strictErrs []error
	if err != nil && runtime.IsStrictDecodingError(err) {
		// A strict decoding error comes with the object fully decoded
		// (our codecs are strict even in their non-strict serializer).
		strictErr, _ := runtime.AsStrictDecodingError(err)
		strictErrs, err = strictErr.Errors(), nil
	}
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
	}
	if got != nil && (*got != gvk) {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", got.GroupVersion(), gvk.GroupVersion()))
	}
	// Fields newer than the served version are unknown fields of a JSON
	// or YAML body; protobuf drops unknown fields silently, as upstream.
	if paths := newerFieldsOf(info.MediaType, body, obj); len(paths) > 0 && info.MediaType != mediaProtobuf {
		strictErrs = append(strictErrs, unknownFields(paths)...)
	}
	warnings, err := strictOutcome(strictErrs, mode)
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
	}
	setGVK(obj, gvk)
	return obj, warnings, nil
}

// newerFieldsOf clears obj, decoded from body, of the fields newer than the
// served version, and returns the JSON paths of those body has keys for.
// Strip names only the fields obj ended up with set; a key whose value is
// null, empty or zero is as unknown to upstream 1.33, so a JSON or YAML
// body that mentions a newer field's name is read once more as a document
// to find every such key (a set field's key among them). A key spelt with
// escapes escapes Mentions; Strip still names it when it is set.
func newerFieldsOf(mediaType string, body []byte, obj runtime.Object) []string {
	paths := newerfields.Strip(obj)
	if (mediaType != mediaJSON && mediaType != mediaYAML) || !newerfields.Mentions(body) {
		return paths
	}
	doc := body
	if mediaType == mediaYAML {
		var err error
		if doc, err = yaml.YAMLToJSON(body); err != nil {
			return paths
		}
	}
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return paths
	}
	return newerfields.Present(reflect.TypeOf(obj), v)
}

// unknownFields returns strict decoding errors naming the JSON paths as
// unknown fields, worded as sigs.k8s.io/json words them.
func unknownFields(paths []string) []error {
	errs := make([]error, len(paths))
	for i, p := range paths {
		errs[i] = fmt.Errorf("unknown field %q", p)
	}
	return errs
}

// strictOutcome applies the field validation mode to a body's unknown and
// duplicate fields: under Strict they are one strict decoding error, under
// Warn they come back as warnings, and under Ignore (and Warn) the object
// keeps none of them.
func strictOutcome(errs []error, mode string) ([]string, error) {
	if len(errs) == 0 || mode == validationIgnore {
		return nil, nil
	}
	if mode == validationStrict {
		return nil, runtime.NewStrictDecodingError(errs)
	}
	warnings := make([]string, len(errs))
	for i, e := range errs {
		warnings[i] = e.Error()
	}
	return warnings, nil
}

func (s *Server) bodyMediaTypes() []string {
	var out []string
	for _, info := range s.codecs.SupportedMediaTypes() {
		out = append(out, info.MediaType)
	}
	return out
}

// decodeOptions decodes an options body (DeleteOptions and the like),
// accepting an empty body. client-go sends these as protobuf or JSON
// whatever the resource, so the encoding is recognized from the bytes.
func (s *Server) decodeOptions(body []byte, into runtime.Object, gvk schema.GroupVersionKind) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	out, _, err := s.codecs.UniversalDeserializer().Decode(body, &gvk, into)
	if runtime.IsNotRegisteredError(err) {
		// kubectl 1.33 names the options meta.k8s.io/v1, which only the
		// meta scheme knows; upstream decodes them with it too.
		out, _, err = metascheme.Codecs.UniversalDeserializer().Decode(body, &gvk, into)
	}
	if err != nil && !runtime.IsStrictDecodingError(err) {
		return apierrors.NewBadRequest(fmt.Sprintf("decode %s: %v", gvk.Kind, err))
	}
	if out != into {
		return apierrors.NewBadRequest(fmt.Sprintf("decode %s: the body is a %s", gvk.Kind, out.GetObjectKind().GroupVersionKind().Kind))
	}
	return nil
}

// addWarnings sets upstream-style Warning headers.
func addWarnings(w http.ResponseWriter, warnings []string) {
	for _, msg := range warnings {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
	}
}

// writeParams are what every create and update request carries besides
// its object: the validation mode, dryRun, the field manager and the body.
type writeParams struct {
	mode    string
	dryRun  bool
	manager string
	body    []byte
}

// readWriteParams reads and checks the write parameters of a request.
func readWriteParams(r *http.Request) (writeParams, error) {
	var wp writeParams
	var err error
	if wp.mode, err = fieldValidation(r); err != nil {
		return wp, err
	}
	if wp.dryRun, err = isDryRun(r); err != nil {
		return wp, err
	}
	if wp.manager, err = managerName(r); err != nil {
		return wp, err
	}
	wp.body, err = readBody(r)
	return wp, err
}
