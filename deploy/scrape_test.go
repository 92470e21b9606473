package deploy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var demoMetricsRe = regexp.MustCompile(`metrics:\s+http://(\S+)/metrics`)

// scrapeDemo builds rollcall, runs its demo district (a Google Directory
// connector against the built-in fake, so upstream metrics exist too),
// waits for a scheduled sync after the first, and returns /metrics as text.
func scrapeDemo(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rollcall")
	build := exec.Command("go", "build", "-o", bin, "../cmd/rollcall")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build rollcall: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--data-dir", filepath.Join(dir, "data"), "demo", "--listen", "127.0.0.1:0", "--people", "120", "--interval", "1s")
	cmd.Env = append(os.Environ(), "ROLLCALL_DATA_DIR=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := demoMetricsRe.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a + "/metrics"
	case <-time.After(60 * time.Second):
		t.Fatalf("demo did not start; stderr:\n%s", stderr.String())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		body := get(t, url)
		if bytes.Contains(body, []byte(`rollcall_sync_run_duration_seconds_count{deployment=`)) &&
			!bytes.Contains(body, []byte(`result="success"} 0`)) && !bytes.Contains(body, []byte(`result="success"} 1`+"\n")) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second sync reported; stderr:\n%s", stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportedMetricsMatchRunningBinary holds the metric list the rules and
// the dashboard are checked against (exportedMetrics) equal to what a
// running rollcall really exports: every rollcall_* family scraped is
// listed with its type and labels, and every listed one is scraped.
func TestExportedMetricsMatchRunningBinary(t *testing.T) {
	body := scrapeDemo(t)
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	kinds := map[dto.MetricType]string{dto.MetricType_COUNTER: "counter", dto.MetricType_GAUGE: "gauge", dto.MetricType_HISTOGRAM: "histogram"}
	scraped := map[string]bool{}
	for name, mf := range families {
		if !strings.HasPrefix(name, "rollcall_") {
			continue
		}
		scraped[name] = true
		want, ok := exportedMetrics[name]
		if !ok {
			t.Errorf("the binary exports %s, which the rules' metric list lacks", name)
			continue
		}
		if got := kinds[mf.GetType()]; got != want.kind {
			t.Errorf("%s is a %s in the scrape, listed as a %s", name, got, want.kind)
		}
		for _, m := range mf.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName())
			}
			slices.Sort(labels)
			wantLabels := slices.Sorted(slices.Values(want.labels))
			if !slices.Equal(labels, wantLabels) {
				t.Errorf("%s has labels %v in the scrape, listed with %v", name, labels, wantLabels)
				break
			}
		}
	}
	for name := range exportedMetrics {
		if strings.HasPrefix(name, "rollcall_") && !scraped[name] {
			t.Errorf("%s is listed (and used by rules or the dashboard) but the running binary does not export it", name)
		}
	}
	// promtool's own lint of the exposition, where promtool is installed
	// (scripts/test.sh installs it; CI must have it).
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is not installed; scripts/test.sh installs it")
		}
		t.Log("promtool not found; skipping `promtool check metrics`")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
