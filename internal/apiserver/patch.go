package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
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
	out, created, err := s.update(ctx, req)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	s.writeObject(w, r, code, out)
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

// applyPatch applies a JSON, merge or strategic merge patch to the JSON of
// current and decodes the result with the request's field validation.
func (s *Server) applyPatch(ep *endpoint, current runtime.Object, pt types.PatchType, patch []byte, mode string) (runtime.Object, []string, error) {
	setGVK(current, ep.gvk)
	orig, err := json.Marshal(current)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	patched, err := patchJSON(orig, pt, patch, ep.res.New())
	if err != nil {
		return nil, nil, err
	}
	info, _ := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mediaJSON)
	return s.decodeWith(info, patched, ep, mode)
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
