package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// expandEnv replaces ${VAR} and ${VAR:-default} in every scalar value of
// the tree (never in keys), after parsing, so that line numbers stay those
// of the file and a value from the environment can never change the
// document's structure. $${ stands for a literal ${. Values taken from a
// variable whose name looks secret mark the node sensitive, so that
// Config.Redacted hides them even under an innocent key.
func (d *decoder) expandEnv(n *yaml.Node, path string, getenv func(string) (string, bool), sensitive map[*yaml.Node]bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			d.expandEnv(c, path, getenv, sensitive)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.expandEnv(c, indexField(path, i), getenv, sensitive)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			d.expandEnv(n.Content[i+1], joinField(path, k.Value), getenv, sensitive)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		out, vars, err := expand(n.Value, getenv)
		if err != nil {
			d.failf(n.Line, path, "%v", err)
			return
		}
		if out == n.Value {
			return
		}
		n.Value = out
		// The tag was resolved from the text before expansion ("${PORT}"
		// is a string); let it be resolved again from the value, unless
		// the author fixed it by quoting or tagging.
		if n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.Tag = ""
		}
		for _, v := range vars {
			if secretName(v) {
				sensitive[n] = true
			}
		}
	}
}

// expand performs the substitution on one value and returns the names of
// the variables it used.
func expand(s string, getenv func(string) (string, bool)) (string, []string, error) {
	var b strings.Builder
	var vars []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("unclosed ${ in %q (write $${ for a literal ${)", s)
			}
			expr := s[i+2 : i+2+end]
			name, def, hasDef := strings.Cut(expr, ":-")
			if !envName(name) {
				return "", nil, fmt.Errorf("${%s}: %q is not a variable name (letters, digits and _, not starting with a digit)", expr, name)
			}
			val, ok := getenv(name)
			switch {
			case hasDef && (!ok || val == ""):
				val = def
			case !ok:
				return "", nil, fmt.Errorf("environment variable %s is not set (write ${%s:-} to allow it to be empty)", name, name)
			}
			vars = append(vars, name)
			b.WriteString(val)
			i += 2 + end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), vars, nil
}

func envName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	}) < 0
}

// secretName reports whether a settings key or variable name looks like it
// holds a secret. Names of files and paths holding a secret are not secret.
func secretName(name string) bool {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, "_file") || strings.HasSuffix(n, "_path") {
		return false
	}
	for _, w := range []string{"secret", "token", "password", "passwd", "key", "private", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
