package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The admin socket lets `rollcall backup` copy the bbolt files of a running
// server: bbolt locks its file for one process, so a second process cannot
// read it while `serve` runs. The socket sits beside the database, is
// created 0600, and so is open only to the user the server runs as.
const adminSocketName = "rollcall.sock"

func adminSocketPath(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), adminSocketName)
}

// backupSource is what can write a consistent copy of itself.
type backupSource interface {
	Backup(ctx context.Context, w io.Writer) (int64, error)
}

// serveAdminSocket listens on the admin socket until ctx is done.
func serveAdminSocket(ctx context.Context, path string, files map[string]backupSource, log *slog.Logger) (stop func(), err error) {
	// A socket left by a killed server is stale if nobody answers on it.
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("admin socket %s: another rollcall server is running", path)
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup/{file}", func(w http.ResponseWriter, r *http.Request) {
		src, ok := files[r.PathValue("file")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		n, err := src.Backup(r.Context(), w)
		if err != nil {
			log.Error("backup over admin socket", "file", r.PathValue("file"), "err", err)
			return
		}
		log.Info("backup taken", "file", r.PathValue("file"), "bytes", n)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin socket", "err", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = os.Remove(path)
	}, nil
}

// adminClient returns an HTTP client that talks to the admin socket, or
// nil when no server answers there.
func adminClient(path string) *http.Client {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return nil
	}
	c.Close()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}
