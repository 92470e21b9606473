package oneroster

import "github.com/rollcall-sync/rollcall/config"

func secretOf(s string) config.Secret { return config.Secret(s) }
