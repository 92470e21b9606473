package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/webhook"
)

// startWebhooks stores the config's webhooks (keeping each one's place in
// the change feed, dropping those no longer configured) and starts
// delivering. The returned stop waits for the dispatcher to end.
func (a *app) startWebhooks(ctx context.Context, rt *runtime) (*webhook.Dispatcher, func(), error) {
	out, ok := any(rt.store).(license.Outbox)
	if !ok {
		return nil, func() {}, nil
	}
	secrets := map[string]string{}
	for _, w := range rt.cfg.Webhooks {
		if _, err := out.PutWebhook(ctx, license.Webhook{ID: w.Name, License: w.License, URL: w.URL, InsecureLoopback: w.InsecureLoopback}); err != nil {
			return nil, nil, fmt.Errorf("config %s: webhooks: %s: %w", rt.cfg.File, w.Name, err)
		}
		secrets[w.Name] = string(w.Secret)
	}
	stored, err := out.Webhooks(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	for _, w := range stored {
		if _, ok := secrets[w.ID]; !ok {
			if err := out.DeleteWebhook(ctx, w.ID); err != nil && !errors.Is(err, license.ErrNotFound) {
				return nil, nil, err
			}
			a.logger.Info("webhook removed from the config: forgotten", "webhook", w.ID)
		}
	}
	d, err := webhook.New(webhook.Options{Outbox: out, Secrets: secrets, Logger: a.logger})
	if err != nil {
		return nil, nil, err
	}
	if len(secrets) == 0 {
		return d, func() {}, nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.Run(ctx) })
	return d, wg.Wait, nil
}
