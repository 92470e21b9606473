package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/lti"
)

func (a *app) ltiCmd() *cobra.Command {
	var cfgPath, out string
	keygen := &cobra.Command{
		Use:   "keygen [--out FILE]",
		Short: "Make the LTI tool's RSA signing key (0600), for settings.private_key_file",
		Long: `keygen makes the RSA key Rollcall signs its LTI client assertions with.
With --out it writes that file. Without, it reads the config file and
makes the private_key_file of every lti connector whose file is missing.
An existing key is never replaced: platforms registered with it would
refuse the new one. It prints each key's id; platforms read the public
keys from Rollcall's /lti/jwks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out != "" {
				return a.ltiKeygen(out, "")
			}
			cfg, err := a.loadConfig(cfgPath)
			if err != nil {
				return err
			}
			made := 0
			for i := range cfg.Connectors {
				cc := &cfg.Connectors[i]
				if cc.Type != lti.Type {
					continue
				}
				field := cc.Field
				if field == "" {
					field = fmt.Sprintf("connectors[%d]", i)
				}
				var s lti.Settings
				if err := config.DecodeStrictAt(&cc.Settings, cfg.File, field+".settings", &s); err != nil {
					return err
				}
				if s.PrivateKeyFile == "" {
					return fmt.Errorf("%s: connector %s: settings.private_key_file is not set", cfg.File, cc.Name)
				}
				path := s.PrivateKeyFile
				if !filepath.IsAbs(path) {
					path = filepath.Join(cfg.Dir, path)
				}
				if _, err := os.Stat(path); err == nil {
					fmt.Fprintf(a.stdout, "connector %s: %s exists; kept\n", cc.Name, path)
					continue
				}
				if err := a.ltiKeygen(path, cc.Name); err != nil {
					return err
				}
				made++
			}
			if made == 0 {
				fmt.Fprintln(a.stdout, "no key to make")
			}
			return nil
		},
	}
	f := keygen.Flags()
	f.StringVar(&cfgPath, "config", "", "config file (env ROLLCALL_CONFIG; default <data-dir>/rollcall.yaml)")
	f.StringVar(&out, "out", "", "write the key to this file instead of the config's private_key_files")
	return group("lti", "Rollcall as an LTI 1.3 tool: its signing key", keygen)
}

func (a *app) ltiKeygen(path, connector string) error {
	key, err := lti.GenerateKeyFile(path)
	if err != nil {
		if errors.Is(err, lti.ErrKeyExists) {
			return err
		}
		return fmt.Errorf("lti keygen: %w", err)
	}
	who := ""
	if connector != "" {
		who = "connector " + connector + ": "
	}
	fmt.Fprintf(a.stdout, "%swrote %s (mode 0600), key id %s; platforms read it from <public_url>%s\n", who, path, key.ID, lti.PathJWKS)
	return nil
}

// mountLTI serves the LTI tool's endpoints (/lti/jwks, /lti/login,
// /lti/launch) when the config has lti connectors; a verified launch
// reaches the engine through lti.EngineLauncher.
func (a *app) mountLTI(mux *http.ServeMux, rt *runtime) {
	var conns []*lti.Connector
	for _, cc := range rt.cfg.Connectors {
		if cc.Type != lti.Type {
			continue
		}
		if c, ok := rt.engine.Connector(cc.Name); ok {
			if lc, ok := c.(*lti.Connector); ok {
				conns = append(conns, lc)
			}
		}
	}
	if len(conns) == 0 {
		return
	}
	mux.Handle("/lti/", lti.NewTool(lti.ToolOptions{Connectors: conns,
		Launcher: lti.EngineLauncher{Engine: rt.engine}, Logger: a.logger, ToolURL: rt.cfg.HTTP.PublicURL}))
}
