package main

import (
	"fmt"
	"strconv"
	"strings"
)

// applySet applies one --set (typed) or --set-string argument the way Helm reads them:
// "a.b=c,d=e", lists as "a={x,y}", indexes as "a[0].b=c", "\," and "\." escape; typed values
// become bool, int64 or null (null removes the key), everything else stays a string.
func applySet(values map[string]interface{}, arg string, typed bool) error {
	for _, assignment := range splitTop(arg, ',') {
		if assignment == "" {
			continue
		}
		eq := indexUnescaped(assignment, '=')
		if eq < 0 {
			return fmt.Errorf("key %q has no value", assignment)
		}
		path, err := parsePath(assignment[:eq])
		if err != nil {
			return err
		}
		raw := assignment[eq+1:]
		var v interface{}
		if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			list := []interface{}{}
			for _, item := range splitTop(raw[1:len(raw)-1], ',') {
				list = append(list, scalar(unescape(item), typed))
			}
			v = list
		} else {
			v = scalar(unescape(raw), typed)
		}
		if err := setPath(values, path, v); err != nil {
			return fmt.Errorf("%s: %v", assignment[:eq], err)
		}
	}
	return nil
}

type segment struct {
	key   string
	index int // -1: a map key
}

func parsePath(key string) ([]segment, error) {
	var out []segment
	for _, part := range splitTop(key, '.') {
		name := part
		var indexes []int
		for strings.HasSuffix(name, "]") {
			open := strings.LastIndexByte(name, '[')
			if open < 0 {
				return nil, fmt.Errorf("bad index in %q", key)
			}
			n, err := strconv.Atoi(name[open+1 : len(name)-1])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index in %q", key)
			}
			indexes = append([]int{n}, indexes...)
			name = name[:open]
		}
		name = unescape(name)
		if name == "" {
			return nil, fmt.Errorf("empty key in %q", key)
		}
		out = append(out, segment{key: name, index: -1})
		for _, i := range indexes {
			out = append(out, segment{index: i})
		}
	}
	return out, nil
}

// setPath walks (and creates) maps and lists along path and sets the last element.
func setPath(root map[string]interface{}, path []segment, v interface{}) error {
	var container interface{} = root
	set := func(c interface{}, s segment, value interface{}) interface{} {
		if s.index < 0 {
			m := c.(map[string]interface{})
			if value == nil {
				delete(m, s.key)
			} else {
				m[s.key] = value
			}
			return m
		}
		l, _ := c.([]interface{})
		for len(l) <= s.index {
			l = append(l, nil)
		}
		l[s.index] = value
		return l
	}
	get := func(c interface{}, s segment) interface{} {
		if s.index < 0 {
			return c.(map[string]interface{})[s.key]
		}
		if l, ok := c.([]interface{}); ok && s.index < len(l) {
			return l[s.index]
		}
		return nil
	}
	// Lists are values, not references: rebuild the chain bottom-up.
	chain := []interface{}{container}
	for i, s := range path[:len(path)-1] {
		next := get(chain[i], s)
		wantList := path[i+1].index >= 0
		switch next.(type) {
		case map[string]interface{}:
			if wantList {
				next = []interface{}{}
			}
		case []interface{}:
			if !wantList {
				next = map[string]interface{}{}
			}
		default:
			if wantList {
				next = []interface{}{}
			} else {
				next = map[string]interface{}{}
			}
		}
		chain = append(chain, next)
	}
	value := v
	for i := len(path) - 1; i >= 0; i-- {
		value = set(chain[i], path[i], value)
	}
	return nil
}

func scalar(s string, typed bool) interface{} {
	if !typed {
		return s
	}
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	case "0":
		return int64(0)
	}
	if s != "" && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// splitTop splits on sep where it is neither escaped nor inside {...}.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		} else if s[i] == c {
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
