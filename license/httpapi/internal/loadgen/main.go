// Command loadgen sends GET requests at a fixed rate and reports latency
// percentiles as JSON. The API benchmarks run it as a separate process, so
// the load does not share the server's scheduler and heap.
//
// The rate is open-loop: request i is due at start + i/rate whatever
// happened to earlier ones, and its latency counts from when it was due,
// so a stalled server shows in the tail instead of slowing the load
// (coordinated omission).
//
//	loadgen -url 'http://127.0.0.1:8080/api/v1/entitlements/user%d@x.org' -n 1000000 \
//	        -rate 5000 -duration 10s -header 'Authorization: Bearer ...'
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type report struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Rate     float64 `json:"rate"` // achieved, requests per second
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	P999ms   float64 `json:"p999_ms"`
	Maxms    float64 `json:"max_ms"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	url := flag.String("url", "", "URL; a %d in it is replaced by a random number in [0, n)")
	n := flag.Int("n", 1, "range of the %d in -url")
	rate := flag.Int("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 5*time.Second, "how long to send")
	warmup := flag.Duration("warmup", time.Second, "send for this long first, not counted")
	workers := flag.Int("workers", 128, "concurrent connections")
	header := flag.String("header", "", "one extra request header, \"Name: value\"")
	flag.Parse()
	if *url == "" || *rate <= 0 {
		return fmt.Errorf("-url and a positive -rate are required")
	}
	hname, hval, _ := strings.Cut(*header, ":")
	hname, hval = strings.TrimSpace(hname), strings.TrimSpace(hval)
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConns: *workers, MaxIdleConnsPerHost: *workers, DisableCompression: true},
	}
	type job struct {
		due     time.Time
		counted bool
	}
	jobs := make(chan job, *rate*10)
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			var mine []time.Duration
			bad := 0
			for j := range jobs {
				u := *url
				if strings.Contains(u, "%d") {
					u = fmt.Sprintf(u, rng.IntN(*n))
				}
				req, _ := http.NewRequest("GET", u, nil)
				if hname != "" {
					req.Header.Set(hname, hval)
				}
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if !j.counted {
					continue
				}
				if err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(j.due))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}(uint64(w))
	}
	interval := time.Second / time.Duration(*rate)
	start := time.Now()
	warm := int(*warmup / interval)
	total := warm + int(*duration/interval)
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		jobs <- job{due: due, counted: i >= warm}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start.Add(time.Duration(warm) * interval))
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / 1e6
	}
	r := report{Requests: len(lat) + errs, Errors: errs, Rate: float64(len(lat)+errs) / elapsed.Seconds(),
		P50ms: pct(0.50), P90ms: pct(0.90), P99ms: pct(0.99), P999ms: pct(0.999), Maxms: pct(1)}
	return json.NewEncoder(os.Stdout).Encode(r)
}
