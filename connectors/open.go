package connectors

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/license"
)

// Open builds every connector of the config file and turns its deployments
// into Deployments, offline: each connector's settings are decoded
// strictly into its type's Config, validated and opened; each deployment
// inherits its connector's schedule and time zone where it sets none, gets
// DefaultDeletionLimit where it sets no limit, and is validated. opts is
// the template for every connector (Name and BaseDir are set per
// connector). Every problem is returned, joined, each a *config.Error
// naming the file, line and field; on any problem nothing is returned.
func Open(cfg *config.Config, opts OpenOptions) (map[string]Connector, []Deployment, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var errs []error
	fail := func(field string, err error) {
		errs = append(errs, &config.Error{File: cfg.File, Line: cfg.Line(field), Field: field, Err: err})
	}

	conns := make(map[string]Connector, len(cfg.Connectors))
	for i := range cfg.Connectors {
		cc := &cfg.Connectors[i]
		field := cc.Field
		if field == "" {
			field = fmt.Sprintf("connectors[%d]", i)
		}
		if _, dup := conns[cc.Name]; dup {
			fail(field+".name", fmt.Errorf("%q is defined twice", cc.Name))
			continue
		}
		ccfg, err := NewConfig(cc.Type)
		if err != nil {
			fail(field+".type", err)
			continue
		}
		if err := config.DecodeStrictAt(&cc.Settings, cfg.File, field+".settings", ccfg); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := ccfg.Validate(); err != nil {
			fail(field+".settings", err)
			continue
		}
		o := opts
		o.Name = cc.Name
		o.BaseDir = cfg.Dir
		o.Logger = opts.Logger.With("connector", cc.Name)
		c, err := ccfg.Open(o)
		if err != nil {
			fail(field+".settings", err)
			continue
		}
		conns[cc.Name] = c
	}

	deps := make([]Deployment, 0, len(cfg.Deployments))
	for i := range cfg.Deployments {
		cd := &cfg.Deployments[i]
		field := cd.Field
		if field == "" {
			field = fmt.Sprintf("deployments[%d]", i)
		}
		d := Deployment{
			Name:      cd.Name,
			Connector: cd.Connector,
			License:   cd.License,
			Selection: Selection{
				Units:       slices.Clone(cd.Units), // not shared with the config
				DefaultRole: license.Role(cd.DefaultRole),
				Options:     maps.Clone(cd.Options),
			},
			DeletionLimit: DefaultDeletionLimit,
		}
		if len(cd.Roles) > 0 {
			d.Selection.Roles = make(map[string]license.Role, len(cd.Roles))
			for k, r := range cd.Roles {
				d.Selection.Roles[k] = license.Role(r)
			}
		}
		if cd.DeletionLimit != nil {
			d.DeletionLimit = DeletionLimit{Percent: cd.DeletionLimit.Percent, Min: cd.DeletionLimit.Min}
		}
		applyPolicies(&d, cd)
		d.Schedule, d.TimeZone = Schedule(cfg, Deployment{Connector: cd.Connector, Schedule: cd.Schedule, TimeZone: cd.TimeZone})
		if err := d.Validate(); err != nil {
			fail(field, err)
			continue
		}
		if cfg.Connector(d.Connector) == nil {
			fail(field+".connector", fmt.Errorf("%q is not a connector defined in this file", d.Connector))
			continue
		}
		deps = append(deps, d)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return conns, deps, nil
}

// Schedule is the cron spec and time zone a deployment runs on: its own,
// else its connector's in cfg, else config.DefaultSchedule and UTC. The
// engine uses it for deployments created at run time, which name a
// connector of the file but usually no schedule.
func Schedule(cfg *config.Config, d Deployment) (spec, tz string) {
	spec, tz = d.Schedule, d.TimeZone
	if c := cfg.Connector(d.Connector); c != nil {
		if spec == "" {
			spec = c.Schedule
		}
		if tz == "" {
			tz = c.TimeZone
		}
	}
	if spec == "" {
		spec = config.DefaultSchedule
	}
	if tz == "" {
		tz = config.DefaultTimeZone
	}
	return spec, tz
}
