package config

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Redacted renders the config as YAML, with defaults filled and paths
// resolved, for `rollcall config show`. Secret fields show as <secret>.
// Connector settings are opaque here, so within them the value of every key
// that looks secret (its name contains secret, token, password, key,
// private or credential, and does not end in _file or _path) is replaced,
// whatever its shape, as is any value that took text from an environment
// variable whose name looks secret.
func (c *Config) Redacted() ([]byte, error) {
	cp := *c
	cp.Connectors = make([]Connector, len(c.Connectors))
	for i, cc := range c.Connectors {
		if cc.Settings.Kind != 0 {
			cc.Settings = *redactNode(&cc.Settings, c.sensitive, map[*yaml.Node]*yaml.Node{})
		}
		cp.Connectors[i] = cc
	}
	out, err := yaml.Marshal(&cp)
	if err != nil {
		return nil, fmt.Errorf("config: rendering %s: %w", c.File, err)
	}
	return out, nil
}

// redactNode deep-copies n, replacing secret values. Aliases are pointed
// at the copies, so no path through the copy reaches an unredacted node.
func redactNode(n *yaml.Node, sensitive map[*yaml.Node]bool, copies map[*yaml.Node]*yaml.Node) *yaml.Node {
	if c, ok := copies[n]; ok {
		return c
	}
	c := &yaml.Node{}
	copies[n] = c
	*c = *n
	c.Content = nil
	if sensitive[n] {
		redactInPlace(c)
		return c
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias != nil {
			c.Alias = redactNode(n.Alias, sensitive, copies)
		}
	case yaml.MappingNode:
		c.Content = make([]*yaml.Node, 0, len(n.Content))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kc := redactNode(k, sensitive, copies)
			vc := redactNode(v, sensitive, copies)
			if k.Kind == yaml.ScalarNode && secretName(k.Value) && vc.Kind != yaml.AliasNode {
				redactInPlace(vc)
			}
			c.Content = append(c.Content, kc, vc)
		}
	default:
		for _, x := range n.Content {
			c.Content = append(c.Content, redactNode(x, sensitive, copies))
		}
	}
	return c
}

// redactInPlace turns a copied node, of any shape, into the scalar
// <secret>, keeping its anchor so aliases to it stay valid. An empty or
// null value stays as it is: that a secret is unset is no secret.
func redactInPlace(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && (n.Value == "" || n.ShortTag() == "!!null") {
		return
	}
	*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: redacted, Anchor: n.Anchor, Line: n.Line, Column: n.Column}
}
