package scheduler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// argsAPIVersion is the only apiVersion pluginConfig args may name.
const argsAPIVersion = "kubescheduler.config.k8s.io/v1"

// PluginConfig is one entry of a profile's pluginConfig: a plugin's name
// and its args in upstream's kubescheduler.config.k8s.io/v1 form (the
// args may carry apiVersion and kind, as upstream's files do).
type PluginConfig struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
	// decoded is Args decoded into the plugin's args type, defaulted and
	// validated by decodePluginConfig.
	decoded framework.PluginArgs
}

// decodePluginConfig decodes, defaults and validates every entry of
// profile i's pluginConfig; errors name the field as
// profiles[i].pluginConfig[j].args.<field>.
func decodePluginConfig(i int, cfgs []PluginConfig, reg framework.Registry, argsReg map[string]framework.ArgsFactory) error {
	seen := map[string]bool{}
	for j := range cfgs {
		c := &cfgs[j]
		path := fmt.Sprintf("profiles[%d].pluginConfig[%d]", i, j)
		if _, ok := reg[c.Name]; !ok {
			return fmt.Errorf("%s.name: Unsupported value: %q: no such plugin", path, c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("%s.name: Duplicate value: %q", path, c.Name)
		}
		seen[c.Name] = true
		newArgs, ok := argsReg[c.Name]
		if !ok {
			if len(c.Args) > 0 && string(c.Args) != "null" {
				return fmt.Errorf("%s.args: Invalid value: plugin %s takes no args", path, c.Name)
			}
			continue
		}
		args, err := decodeArgs(path+".args", c.Name, c.Args, newArgs)
		if err != nil {
			return err
		}
		c.decoded = args
	}
	return nil
}

// decodeArgs strictly decodes raw (apiVersion and kind aside) into a new
// args value, then defaults and validates it.
func decodeArgs(path, plugin string, raw json.RawMessage, newArgs framework.ArgsFactory) (framework.PluginArgs, error) {
	args := newArgs()
	if len(raw) > 0 && string(raw) != "null" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, fmt.Errorf("%s: Invalid value: %w", path, err)
		}
		if err := checkArgsType(path, plugin, fields); err != nil {
			return nil, err
		}
		rest, err := json.Marshal(fields)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(rest))
		dec.DisallowUnknownFields()
		if err := dec.Decode(args); err != nil {
			return nil, argsDecodeError(path, err)
		}
	}
	args.Default()
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("%s.%w", path, err)
	}
	return args, nil
}

// checkArgsType removes apiVersion and kind from fields, rejecting values
// other than upstream's (kind is the plugin's name plus "Args").
func checkArgsType(path, plugin string, fields map[string]json.RawMessage) error {
	for key, want := range map[string]string{"apiVersion": argsAPIVersion, "kind": plugin + "Args"} {
		raw, ok := fields[key]
		if !ok {
			continue
		}
		delete(fields, key)
		var got string
		if err := json.Unmarshal(raw, &got); err != nil || got != want {
			return fmt.Errorf("%s.%s: Unsupported value: %s: supported values: %q", path, key, raw, want)
		}
	}
	return nil
}

// argsDecodeError turns encoding/json's errors into ones naming the field:
// `json: unknown field "foo"` becomes "<path>.foo: unknown field".
func argsDecodeError(path string, err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, `json: unknown field "`); ok {
		return fmt.Errorf("%s.%s: unknown field", path, strings.TrimSuffix(rest, `"`))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s.%s: Invalid value: %s", path, te.Field, te.Value)
	}
	return fmt.Errorf("%s: Invalid value: %w", path, err)
}

// pluginArgs returns the args a profile gives plugin name: the decoded
// pluginConfig entry, else the plugin's defaults; nil for plugins that
// take no args.
func pluginArgs(name string, cfgs []PluginConfig, argsReg map[string]framework.ArgsFactory) (framework.PluginArgs, error) {
	for i := range cfgs {
		if cfgs[i].Name == name && cfgs[i].decoded != nil {
			return cfgs[i].decoded, nil
		}
	}
	newArgs, ok := argsReg[name]
	if !ok {
		return nil, nil
	}
	args, err := decodeArgs("pluginConfig["+name+"].args", name, nil, newArgs)
	if err != nil {
		return nil, err
	}
	return args, nil
}
