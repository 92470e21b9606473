package config

import (
	"os"
	"strings"
	"testing"
)

// The README documents the config file with Example(); keep them one text.
func TestREADMEShowsTheExample(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "```yaml\n"+Example()+"```") {
		t.Fatal("README.md's config example differs from config.Example(); paste `rollcall config example` into it")
	}
}
