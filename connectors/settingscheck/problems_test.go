package settingscheck

import (
	"errors"
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	var none Problems
	if err := none.Err("canvas"); err != nil {
		t.Fatalf("no problems: Err = %v, want nil", err)
	}
	none.Include(nil, nil)
	if err := none.Err("canvas"); err != nil {
		t.Fatalf("nil problems included: Err = %v, want nil", err)
	}

	retry := errors.New("settings.retry.max_attempts: -1 must be 0 or more")
	var p Problems
	p.Add("base_url", "is required, e.g. %s", "https://learn.district.org")
	p.Add("page_size", "%d must be 1-%d", 101, 100)
	p.Include(retry)
	err := p.Err("blackboard")
	if err == nil {
		t.Fatal("three problems: Err = nil")
	}
	want := []string{
		"blackboard connector: ",
		"settings.base_url: is required, e.g. https://learn.district.org",
		"settings.page_size: 101 must be 1-100",
		retry.Error(),
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Err = %q, want it to contain %q", err, w)
		}
	}
	if !errors.Is(err, retry) {
		t.Errorf("Err does not wrap the included error")
	}
	if strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("Err = %q, want one problem a line", err)
	}
}
