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
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
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

// renderAll parses every template into one set (so defines are shared) and executes each
// file whose base name does not start with "_".
func renderAll(files map[string]string, top map[string]interface{}) (map[string]string, error) {
	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcMap(t))
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	// NOTES.txt last, so a required value is reported where a manifest uses it.
	sort.Slice(names, func(i, j int) bool {
		ni, nj := strings.HasSuffix(names[i], "/NOTES.txt"), strings.HasSuffix(names[j], "/NOTES.txt")
		if ni != nj {
			return nj
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		if _, err := t.New(n).Parse(files[n]); err != nil {
			return nil, fmt.Errorf("parse error in %v", err)
		}
	}
	out := map[string]string{}
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), "_") {
			continue
		}
		vals := map[string]interface{}{}
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": n, "BasePath": filepath.Dir(n)}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, n, vals); err != nil {
			return nil, cleanExecError(err)
		}
		out[n] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

var (
	locationPattern = regexp.MustCompile(`^template: ([^:]+:\d+:\d+): `)
	callPattern     = regexp.MustCompile(`error calling (?:required|fail): `)
)

// cleanExecError reports a required/fail message the way Helm does:
// "execution error at (chart/templates/x.yaml:3:4): message".
func cleanExecError(err error) error {
	msg := err.Error()
	loc := locationPattern.FindStringSubmatch(msg)
	idx := callPattern.FindAllStringIndex(msg, -1)
	if loc == nil || idx == nil {
		return err
	}
	return fmt.Errorf("execution error at (%s): %s", loc[1], msg[idx[len(idx)-1][1]:])
}

const includeDepthLimit = 1000

func funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	depth := 0
	f["include"] = func(name string, data interface{}) (string, error) {
		if depth > includeDepthLimit {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth++
		defer func() { depth-- }()
		var buf bytes.Buffer
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		parsed, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %v", text, err)
		}
		var buf bytes.Buffer
		if err := parsed.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // no cluster: like `helm template`
	}
	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["toJson"] = func(v interface{}) string {
		data, err := yaml.Marshal(v) // normalise, then JSON
		if err != nil {
			return ""
		}
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return ""
		}
		return string(j)
	}
	f["fromJson"] = f["fromYaml"] // JSON is YAML
	return f
}

// Helm's install order by kind; unknown kinds go last.
var installOrder = []string{"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
	"StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService"}

var (
	docSeparator = regexp.MustCompile(`(?m)^---\s*$`)
	kindPattern  = regexp.MustCompile(`(?m)^kind:\s*["']?([A-Za-z]+)`)
)

type manifest struct {
	source, body string
	order, seq   int
}

func assemble(rendered map[string]string) string {
	var docs []manifest
	for source, text := range rendered {
		for i, body := range docSeparator.Split(text, -1) {
			body = strings.TrimSpace(body)
			if body == "" || onlyComments(body) {
				continue
			}
			order := len(installOrder)
			if m := kindPattern.FindStringSubmatch(body); m != nil {
				for j, k := range installOrder {
					if k == m[1] {
						order = j
					}
				}
			}
			docs = append(docs, manifest{source: source, body: body, order: order, seq: i})
		}
	}
	sort.SliceStable(docs, func(i, j int) bool {
		a, b := docs[i], docs[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.seq < b.seq
	})
	var out strings.Builder
	for _, d := range docs {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", d.source, d.body)
	}
	return out.String()
}

func onlyComments(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}
