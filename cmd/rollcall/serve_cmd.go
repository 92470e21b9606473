package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/dashboard"
	"github.com/rollcall-sync/rollcall/license/httpapi"
)

func (a *app) serveCmd() *cobra.Command {
	var cfgPath, listen string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the sync scheduler and the HTTP listener (metrics, health)",
		Long: `serve opens the license store and the sync state, schedules every
deployment of the config file, and serves /metrics, /healthz and /readyz.
On SIGTERM or SIGINT it stops scheduling, lets running syncs finish their
current batch, and exits within sync.shutdown_timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return a.serve(ctx, cmd, cfgPath, listen)
		},
	}
	c.Flags().StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	c.Flags().StringVar(&listen, "listen", "", "address to serve HTTP on (default: the config's http.listen)")
	return c
}

func (a *app) serve(ctx context.Context, cmd *cobra.Command, cfgPath, listen string) error {
	cfg, err := a.loadConfig(cfgPath)
	if err != nil {
		return err
	}
	// The config's logging applies unless the flags said otherwise.
	if err := a.configureLogging(cmd, cfg.Log.Format, cfg.Log.Level); err != nil {
		return err
	}
	rt, err := a.openRuntimeFrom(cfg)
	if err != nil {
		return err
	}
	defer rt.Close()
	a.sayStateFiles(rt.cfg, rt.files, "")
	if listen == "" {
		listen = rt.cfg.HTTP.Listen
	}
	return a.runServer(ctx, rt, listen, func(addr string) {
		fmt.Fprintf(a.stdout, "rollcall: serving on http://%s (dashboard at /, API at /api/v1/, metrics at /metrics)\n", addr)
	})
}

// handler serves the admin API under /api/v1/, the dashboard at /, and
// metrics and health beside them.
func (a *app) handler(rt *runtime) (http.Handler, error) {
	log := a.logger
	mux := http.NewServeMux()
	syncs := newAPISyncs(rt.engine, rt.cfg)
	oidc, oidcName := a.openOIDC(rt)
	mux.Handle(httpapi.Prefix+"/", httpapi.New(httpapi.Options{Store: rt.store, Auth: rt.auth, Syncs: syncs, Logger: log, OIDC: oidc}))
	dopts := dashboard.Options{Store: rt.store, Auth: rt.auth, Syncs: syncs, Logger: log}
	if oidc != nil {
		dopts.OIDCLogin, dopts.OIDCName = httpapi.Prefix+"/oidc/login", oidcName
	}
	dash, err := dashboard.New(dopts)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	mux.Handle("/", dash)
	a.mountLTI(mux, rt)
	if err := a.mountSCIM(mux, rt); err != nil {
		return nil, err
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(rt.registry, promhttp.HandlerOpts{Registry: rt.registry, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !rt.engine.Ready() {
			http.Error(w, "scheduler not running", http.StatusServiceUnavailable)
			return
		}
		if _, err := rt.store.ListLicenses(r.Context()); err != nil {
			http.Error(w, "license store unavailable", http.StatusServiceUnavailable)
			return
		}
		// A replica that cannot read the leases cannot take a deployment.
		if err := rt.engine.LeaseCheck(r.Context()); err != nil {
			http.Error(w, "deployment leases unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	// Behind a TLS-ending proxy the session cookie is still Secure and
	// __Host-, as http.public_url or http.trusted_proxies say.
	tlsPolicy, err := auth.NewTLSPolicy(rt.cfg.HTTP.PublicURL, rt.cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	return auth.Secure(tlsPolicy, mux), nil
}

// openOIDC sets up OpenID Connect sign-in when the config asks for it. A
// provider that cannot be reached at start-up is logged and left out:
// token sign-in still works, and a restart tries again.
func (a *app) openOIDC(rt *runtime) (*auth.OIDC, string) {
	o := rt.cfg.HTTP.OIDC
	if o == nil {
		return nil, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	oidc, err := auth.NewOIDC(ctx, auth.OIDCConfig{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		RedirectURL: o.RedirectURL, AllowedDomains: o.AllowedDomains, Operators: o.Operators}, rt.auth)
	if err != nil {
		a.logger.Error("OpenID Connect sign-in is off: its provider could not be set up", "issuer", o.Issuer, "err", err)
		return nil, ""
	}
	return oidc, o.Name
}

// runServer starts the schedule, the HTTP listener and the admin socket,
// calls ready with the address it listens on, and runs until ctx is done;
// then it stops scheduling, lets running syncs finish their batch, and
// closes rt, all within the config's shutdown timeout.
func (a *app) runServer(ctx context.Context, rt *runtime, listen string, ready func(addr string)) error {
	log := a.logger
	h, err := a.handler(rt)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}

	// Syncs run under runCtx: cancelling it makes each stop at its next
	// batch boundary, which is what a shutdown wants.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	if err := rt.engine.Start(runCtx); err != nil {
		ln.Close()
		return err
	}
	_, waitHooks, err := a.startWebhooks(runCtx, rt)
	if err != nil {
		cancelRuns()
		_ = rt.engine.Stop(context.Background())
		ln.Close()
		return err
	}
	defer waitHooks()
	stopAdmin, err := serveAdminSocket(runCtx, adminSocketPath(rt.files.store), backupSources(rt), log)
	if err != nil {
		cancelRuns()
		_ = rt.engine.Stop(context.Background())
		ln.Close()
		return err
	}
	defer stopAdmin()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	log.Info("serving", "addr", addr, "config", rt.cfg.File)
	ready(addr)

	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", rt.cfg.Sync.ShutdownTimeout)
	case err := <-serveErr:
		cancelRuns()
		_ = rt.engine.Stop(context.Background())
		return fmt.Errorf("http server: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), rt.cfg.Sync.ShutdownTimeout)
	defer cancel()
	cancelRuns()
	var errs []error
	if err := rt.engine.Stop(sctx); err != nil {
		errs = append(errs, fmt.Errorf("stop syncs: %w", err))
	}
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("stop http: %w", err))
	}
	waitHooks() // runCtx is cancelled: the dispatcher ends its delivery and stops
	if err := rt.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close: %w", err))
	}
	rt.store, rt.state = nil, nil
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// configureLogging rebuilds the logger from the config file's settings for
// whichever of --log-format and --log-level were not given.
func (a *app) configureLogging(cmd *cobra.Command, format, level string) error {
	if !cmd.Flags().Changed("log-format") && format != "" {
		a.logFormat = format
	}
	if !cmd.Flags().Changed("log-level") && level != "" {
		a.logLevel = level
	}
	return a.setup()
}

func (a *app) healthcheckCmd() *cobra.Command {
	var url string
	c := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if a running rollcall answers its health check (for container HEALTHCHECKs)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return fmt.Errorf("healthcheck %s: %w", url, err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("healthcheck: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("healthcheck %s: %s", url, strings.TrimSpace(resp.Status))
			}
			return nil
		},
	}
	c.Flags().StringVar(&url, "url", "http://127.0.0.1:8080/healthz", "health URL to check")
	return c
}
