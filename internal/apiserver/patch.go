package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// patchTypes are the patch media types the server accepts, as upstream
// lists them for built-in resources.
var patchTypes = []string{
	string(types.JSONPatchType), string(types.MergePatchType),
	string(types.StrategicMergePatchType), string(types.ApplyYAMLPatchType),
}

// applyRequest marks a write as server-side apply.
type applyRequest struct {
	force bool
}

func (s *Server) handlePatch(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !isPatchType(mt) {
		return unsupportedMediaType(ct, patchTypes)
	}
	pt := types.PatchType(mt)
	mode, err := fieldValidation(r)
	if err != nil {
		return err
	}
	dryRun, err := isDryRun(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	force := q.Get("force") == "true"
	if q.Get("force") != "" && pt != types.ApplyYAMLPatchType {
		return apierrors.NewBadRequest("force: Forbidden: may not be specified for non-apply patch")
	}
	var manager string
	if pt == types.ApplyYAMLPatchType {
		manager = q.Get("fieldManager")
		if manager == "" {
			return apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "PatchOptions"}, "",
				fieldRequired("fieldManager", "is required for apply patch"))
		}
	}
	if manager == "" {
		if manager, err = managerName(r); err != nil {
			return err
		}
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if info.Subresource == "scale" {
		return s.handleScalePatch(ctx, w, r, ep, info, pt, body, manager, dryRun)
	}
	var warnings []string
	req := writeRequest{
		ep: ep, namespace: info.Namespace, name: info.Name, subresource: info.Subresource,
		manager: manager, dryRun: dryRun,
	}
	if pt == types.ApplyYAMLPatchType {
		patchObj, err := decodeApplyPatch(body, ep, info.Name)
		if err != nil {
			return err
		}
		req.allowCreate = info.Subresource == ""
		req.apply = &applyRequest{force: force}
		fm := ep.fieldManager
		if info.Subresource == "status" && ep.statusManager != nil {
			fm = ep.statusManager
		}
		req.mutate = func(current runtime.Object) (runtime.Object, error) {
			live := current
			if live == nil {
				live = ep.res.New()
				setGVK(live, ep.gvk)
			}
			return fm.Apply(live, patchObj, manager, force)
		}
	} else {
		req.mutate = func(current runtime.Object) (runtime.Object, error) {
			if current == nil {
				return nil, apierrors.NewNotFound(ep.res.GVR.GroupResource(), info.Name)
			}
			obj, warns, err := s.applyPatch(ep, current, pt, body, mode)
			warnings = warns
			return obj, err
		}
	}
	req.wantMessage(r)
	out, created, err := s.update(ctx, req)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	s.writeWritten(w, r, req, created, out)
	return nil
}

func isPatchType(mt string) bool {
	for _, t := range patchTypes {
		if t == mt {
			return true
		}
	}
	return false
}

// applyPatch applies a JSON, merge or strategic merge patch to current
// with the request's field validation: a merge or strategic merge patch
// field by field when mergePatchTyped or strategicPatchTyped can, any
// other through the JSON document.
func (s *Server) applyPatch(ep *endpoint, current runtime.Object, pt types.PatchType, patch []byte, mode string) (runtime.Object, []string, error) {
	if reflect.TypeOf(current) == ep.objType {
		var obj runtime.Object
		var ok bool
		switch pt {
		case types.MergePatchType:
			obj, ok = mergePatchTyped(current, patch)
		case types.StrategicMergePatchType:
			obj, ok = strategicPatchTyped(current, patch)
		}
		if ok {
			setGVK(obj, ep.gvk)
			return obj, nil, nil
		}
	}
	return s.applyPatchDocument(ep, current, pt, patch, mode)
}

// applyPatchDocument applies the patch to current's whole JSON document
// and decodes the result, with upstream's field validation of patches:
// under Strict and Warn, duplicate fields in the patch itself count (as
// strict errors, with unknown fields of the result); under Strict they,
// and any result that does not decode, are a 422 on the field "patch".
func (s *Server) applyPatchDocument(ep *endpoint, current runtime.Object, pt types.PatchType, patch []byte, mode string) (runtime.Object, []string, error) {
	var patchStrict []error
	var patchMap map[string]any
	if mode != validationIgnore {
		var err error
		if patchStrict, patchMap, err = patchStrictErrors(pt, patch); err != nil {
			return nil, nil, err
		}
	}
	setGVK(current, ep.gvk)
	orig, err := json.Marshal(current)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	patched, err := patchJSON(orig, pt, patch, ep.res.New())
	if err != nil {
		return nil, nil, err
	}
	// What upstream shows as the invalid value: the patched document, or
	// for a strategic merge patch the patch as a Go map.
	shown := func() string {
		if pt == types.StrategicMergePatchType {
			if patchMap == nil { // not read under Ignore
				_ = sjson.UnmarshalCaseSensitivePreserveInts(patch, &patchMap)
			}
			return fmt.Sprintf("%+v", patchMap)
		}
		return string(patched)
	}
	info, _ := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mediaJSON)
	dec := info.Serializer
	if mode != validationIgnore && info.StrictSerializer != nil {
		dec = info.StrictSerializer
	}
	gvk := ep.gvk
	obj, _, err := dec.Decode(patched, &gvk, ep.res.New())
	strictErrs := patchStrict
	if err != nil {
		strictErr, ok := runtime.AsStrictDecodingError(err)
		if !ok {
			return nil, nil, invalidPatch(shown(), err.Error())
		}
		// Our codecs are strict even in their non-strict serializer: under
		// Ignore the unknown and duplicate fields are dropped.
		if mode != validationIgnore {
			strictErrs = append(strictErrs, strictErr.Errors()...)
		}
	}
	if paths := newerFieldsOf(mediaJSON, patched, obj); len(paths) > 0 && mode != validationIgnore {
		strictErrs = append(strictErrs, unknownFields(paths)...)
	}
	warnings, err := strictOutcome(strictErrs, mode)
	if err != nil {
		return nil, nil, invalidPatch(shown(), err.Error())
	}
	setGVK(obj, ep.gvk)
	return obj, warnings, nil
}

// patchStrictErrors reads the patch strictly, as upstream does under
// Strict and Warn: its duplicate fields (and a JSON patch's unknown ones)
// are returned; a patch that is not JSON is a 400. A strategic merge
// patch comes back as a map too, for the error message.
func patchStrictErrors(pt types.PatchType, patch []byte) ([]error, map[string]any, error) {
	switch pt {
	case types.JSONPatchType:
		var ops []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			From  string `json:"from"`
			Value any    `json:"value"`
		}
		errs, err := sjson.UnmarshalStrict(patch, &ops)
		if err != nil {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
		}
		for i, e := range errs {
			errs[i] = fmt.Errorf("json patch %v", e)
		}
		return errs, nil, nil
	case types.MergePatchType, types.StrategicMergePatchType:
		m := map[string]any{}
		errs, err := sjson.UnmarshalStrict(patch, &m)
		if err != nil {
			msg := err.Error()
			if pt == types.MergePatchType {
				msg = "error decoding patch: " + msg
			}
			return nil, nil, apierrors.NewBadRequest(msg)
		}
		return errs, m, nil
	}
	return nil, nil, nil
}

// invalidPatch is upstream's error for a patch whose result does not
// decode: 422 on the field "patch".
func invalidPatch(value, detail string) error {
	return apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), value, detail)})
}

// patchJSON applies one patch document to orig. dataStruct is an empty
// object of the kind, for the strategic merge patch's merge keys.
func patchJSON(orig []byte, pt types.PatchType, patch []byte, dataStruct runtime.Object) ([]byte, error) {
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		out, err := p.Apply(orig)
		if err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		return out, nil
	case types.MergePatchType:
		out, err := jsonpatch.MergePatch(orig, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	case types.StrategicMergePatchType:
		var patchMap map[string]interface{}
		if err := json.Unmarshal(patch, &patchMap); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
		}
		out, err := strategicpatch.StrategicMergePatch(orig, patch, dataStruct)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	}
	return nil, unsupportedMediaType(string(pt), patchTypes)
}

// decodeApplyPatch reads an apply configuration (YAML or JSON) and checks
// it names the kind and object of the request.
func decodeApplyPatch(body []byte, ep *endpoint, name string) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding apply configuration: %v", err))
	}
	if gvk := obj.GroupVersionKind(); gvk != ep.gvk {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", gvk.GroupVersion(), ep.gvk.GroupVersion()))
	}
	if obj.GetName() != "" && obj.GetName() != name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), name))
	}
	if obj.GetName() == "" {
		obj.SetName(name)
	}
	return obj, nil
}
