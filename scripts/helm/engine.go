package main

// The template engine: Helm's function map over sprig, rendering every template file of the
// chart in one set, and assembling the manifests in Helm's install order.

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

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
