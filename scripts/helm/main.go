// Command render is a small stand-in for `helm template`, for checking the chart where Helm
// itself cannot be installed. It uses the same engine Helm uses (Go text/template with the
// sprig functions and Helm's own additions: include, tpl, required, fail, toYaml, fromYaml,
// toJson, fromJson, lookup) and renders only the chart's own templates: dependencies
// (charts/, Chart.yaml dependencies) are not fetched or rendered.
//
// Usage: render [NAME] CHART [-n NAMESPACE] [-f values.yaml]... [--set a.b=c]...
//
//	[--set-string a.b=c]... [--api-versions group/version]... [--kube-version v1.30.0] [--notes]
//
// Output: the manifests as multi-document YAML, each headed by "# Source: <template>", in
// Helm's install order; with --notes, the rendered NOTES.txt instead. Errors go to stderr as
// "Error: ..." with exit code 1 (bad usage: 2).
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

type options struct {
	release, chart, namespace, kubeVersion string
	valueFiles, sets, setStrings, apis     []string
	notes                                  bool
}

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(2)
	}
	out, err := run(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func parseArgs(args []string) (options, error) {
	o := options{release: "release-name", namespace: "default", kubeVersion: "v1.30.0"}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if eq := strings.IndexByte(a, '='); eq > 0 && strings.HasPrefix(a, "--") {
				return a[eq+1:], nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		name := a
		if eq := strings.IndexByte(a, '='); eq > 0 && strings.HasPrefix(a, "--") {
			name = a[:eq]
		}
		var v string
		var err error
		switch name {
		case "-f", "--values", "-n", "--namespace", "--set", "--set-string", "--api-versions", "-a", "--kube-version":
			if v, err = value(); err != nil {
				return o, err
			}
		}
		switch name {
		case "-f", "--values":
			o.valueFiles = append(o.valueFiles, v)
		case "-n", "--namespace":
			o.namespace = v
		case "--set":
			o.sets = append(o.sets, v)
		case "--set-string":
			o.setStrings = append(o.setStrings, v)
		case "--api-versions", "-a":
			o.apis = append(o.apis, v)
		case "--kube-version":
			o.kubeVersion = v
		case "--notes":
			o.notes = true
		default:
			if strings.HasPrefix(a, "-") {
				return o, fmt.Errorf("unknown flag %s", a)
			}
			positional = append(positional, a)
		}
	}
	switch len(positional) {
	case 1:
		o.chart = positional[0]
	case 2:
		o.release, o.chart = positional[0], positional[1]
	default:
		return o, errors.New("usage: render [NAME] CHART [-n NS] [-f FILE]... [--set K=V]... [--set-string K=V]... [--api-versions G/V]... [--notes]")
	}
	return o, nil
}

func run(o options) (string, error) {
	chart, err := readYAMLMap(filepath.Join(o.chart, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	values, err := readYAMLMap(filepath.Join(o.chart, "values.yaml"))
	if err != nil && !os.IsNotExist(errors.Unwrap(err)) {
		return "", err
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	for _, f := range o.valueFiles {
		extra, err := readYAMLMap(f)
		if err != nil {
			return "", err
		}
		mergeInto(values, extra)
	}
	for _, s := range o.sets {
		if err := applySet(values, s, true); err != nil {
			return "", fmt.Errorf("failed parsing --set data: %v", err)
		}
	}
	for _, s := range o.setStrings {
		if err := applySet(values, s, false); err != nil {
			return "", fmt.Errorf("failed parsing --set-string data: %v", err)
		}
	}

	name, _ := chart["name"].(string)
	if name == "" {
		return "", errors.New("Chart.yaml has no name")
	}
	files, err := templateFiles(o.chart, name)
	if err != nil {
		return "", err
	}
	top := map[string]interface{}{
		"Values":       values,
		"Chart":        chartObject(chart),
		"Release":      map[string]interface{}{"Name": o.release, "Namespace": o.namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Capabilities": capabilities(o.kubeVersion, o.apis),
		"Files":        chartFiles{root: o.chart},
	}
	rendered, err := renderAll(files, top)
	if err != nil {
		return "", err
	}
	notesName := name + "/templates/NOTES.txt"
	if o.notes {
		return rendered[notesName], nil
	}
	delete(rendered, notesName)
	return assemble(rendered), nil
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parsing %s: %v", path, err)
	}
	return m, nil
}

// mergeInto deep-merges src over dst, as Helm layers -f files: maps merge, anything else
// replaces, and null removes the key.
func mergeInto(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				mergeInto(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// templateFiles maps template names ("<chart>/templates/x.yaml") to their text.
func templateFiles(chartDir, name string) (map[string]string, error) {
	files := map[string]string{}
	root := filepath.Join(chartDir, "templates")
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(chartDir, path)
		files[name+"/"+filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return files, err
}

func chartObject(c map[string]interface{}) map[string]interface{} {
	keys := map[string]string{"name": "Name", "version": "Version", "appVersion": "AppVersion", "description": "Description",
		"type": "Type", "apiVersion": "APIVersion", "annotations": "Annotations", "keywords": "Keywords", "home": "Home",
		"sources": "Sources", "kubeVersion": "KubeVersion", "dependencies": "Dependencies", "icon": "Icon"}
	out := map[string]interface{}{}
	for k, v := range c {
		if n, ok := keys[k]; ok {
			out[n] = v
		}
	}
	if v, ok := out["AppVersion"]; ok {
		out["AppVersion"] = fmt.Sprint(v)
	}
	return out
}

type apiVersions []string

// Has reports whether the cluster serves the group/version: the core groups the chart needs
// (v1, apps/v1, policy/v1, rbac.authorization.k8s.io/v1) and what --api-versions gave; false
// for anything else, e.g. monitoring.coreos.com/v1.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func capabilities(kube string, apis []string) map[string]interface{} {
	parts := strings.SplitN(strings.TrimPrefix(kube, "v"), ".", 3)
	for len(parts) < 2 {
		parts = append(parts, "0")
	}
	all := append(apiVersions{"v1", "apps/v1", "policy/v1", "rbac.authorization.k8s.io/v1"}, apis...)
	return map[string]interface{}{
		"APIVersions": all,
		"KubeVersion": map[string]interface{}{"Version": kube, "GitVersion": kube, "Major": parts[0], "Minor": parts[1]},
		"HelmVersion": map[string]interface{}{"Version": "v3-render"},
	}
}

// chartFiles is .Files: the chart's non-template files.
type chartFiles struct{ root string }

func (f chartFiles) Get(name string) string {
	data, err := os.ReadFile(filepath.Join(f.root, filepath.FromSlash(name)))
	if err != nil {
		return ""
	}
	return string(data)
}

func (f chartFiles) GetBytes(name string) []byte { return []byte(f.Get(name)) }
