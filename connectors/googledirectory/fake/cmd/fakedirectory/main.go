// Command fakedirectory serves the fake Directory API (package fake) out of
// process, for benchmarks that must not share a heap or a scheduler with
// the client: scripts/bench-directory.sh starts it. It generates a
// district, registers a service account, writes its key file 0600 and a
// ready file (JSON: endpoint, token URL, super admin, key file, control
// URL), and serves until SIGINT or SIGTERM; -cpuprofile FILE profiles
// the whole run (go tool pprof FILE).
//
// A second loopback listener takes control requests:
//
//	POST /churn?n=N&seed=S  apply N random changes (fake.Server.Churn)
//	POST /latency?d=200ms   delay every users.list page
//	POST /quota?per_minute=Q refuse requests beyond Q a minute (0: off)
//	GET  /counts            requests answered, and refused for quota
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
)

// Ready is what the ready file holds.
type Ready struct {
	Endpoint string `json:"endpoint"`
	TokenURL string `json:"token_url"`
	Subject  string `json:"subject"`
	KeyFile  string `json:"key_file"`
	Control  string `json:"control"`
	People   int    `json:"people"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakedirectory:", err)
		os.Exit(1)
	}
}

func run() error {
	people := flag.Int("people", 200_000, "users in the generated district")
	seed := flag.Int64("seed", 1, "district generator seed")
	latency := flag.Duration("latency", 0, "delay every users.list page by this much")
	quota := flag.Int("quota", 0, "refuse API requests beyond this many in any minute (0: no quota)")
	dir := flag.String("dir", "", "folder for the key file and the ready file (required)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *dir == "" {
		return errors.New("-dir is required")
	}
	if *people < 1 {
		return fmt.Errorf("-people %d: want at least 1", *people)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	srv := fake.New(fake.Options{District: fake.Generate(*seed, *people)})
	defer srv.Close()
	srv.SlowPages(*latency)
	srv.SetQuota(*quota)
	key, err := srv.NewServiceAccount()
	if err != nil {
		return err
	}
	keyFile := filepath.Join(*dir, "sa.json")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctl := &http.Server{Handler: control(srv), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ctl.Serve(ln) }()
	defer ctl.Close()
	ready := Ready{Endpoint: srv.Endpoint(), TokenURL: srv.TokenURL(), Subject: srv.District().SuperAdmin,
		KeyFile: keyFile, Control: "http://" + ln.Addr().String(), People: *people}
	b, err := json.MarshalIndent(ready, "", "  ")
	if err != nil {
		return err
	}
	// Written last and renamed into place: its presence means ready.
	tmp := filepath.Join(*dir, "ready.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(*dir, "ready.json")); err != nil {
		return err
	}
	log.Info("serving", "people", *people, "endpoint", ready.Endpoint, "control", ready.Control,
		"latency", *latency, "quota_per_minute", *quota, "startup", time.Since(start).Round(time.Millisecond))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

func control(srv *fake.Server) http.Handler {
	mux := http.NewServeMux()
	intParam := func(r *http.Request, name string, def int) (int, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%s=%q: want a number >= 0", name, v)
		}
		return n, nil
	}
	mux.HandleFunc("POST /churn", func(w http.ResponseWriter, r *http.Request) {
		n, err := intParam(r, "n", 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s, err := intParam(r, "seed", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		changes := srv.Churn(rand.New(rand.NewPCG(uint64(s), 2)), n)
		writeJSON(w, map[string]int{"changes": len(changes)})
	})
	mux.HandleFunc("POST /latency", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil || d < 0 {
			http.Error(w, "d: want a duration such as 200ms", http.StatusBadRequest)
			return
		}
		srv.SlowPages(d)
		writeJSON(w, map[string]string{"latency": d.String()})
	})
	mux.HandleFunc("POST /quota", func(w http.ResponseWriter, r *http.Request) {
		q, err := intParam(r, "per_minute", 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		srv.SetQuota(q)
		writeJSON(w, map[string]int{"per_minute": q})
	})
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, r *http.Request) {
		c := srv.Counts()
		writeJSON(w, map[string]int64{"api": c.API, "users_list": c.UsersList, "token": c.Token,
			"faults": c.Faults, "quota_refused": srv.QuotaRefused()})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
