package brightspace

import (
	"context"
	"encoding/json"
	"fmt"
)

// lp is the lp API version to use: the setting, else the tenant's latest,
// asked once.
func (c *Connector) lp(ctx context.Context) (string, error) {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	if v != "" {
		return v, nil
	}
	body, err := c.get(ctx, "list API versions", c.s.BaseURL+"/d2l/api/versions/")
	if err != nil {
		return "", err
	}
	var products []struct {
		ProductCode   string `json:"ProductCode"`
		LatestVersion string `json:"LatestVersion"`
	}
	if err := json.Unmarshal(body, &products); err != nil {
		return "", fmt.Errorf("%s: list API versions: the answer is not a list of product versions: %w", c.prefix(), err)
	}
	for _, p := range products {
		if p.ProductCode == "lp" && versionPattern.MatchString(p.LatestVersion) {
			c.mu.Lock()
			c.version = p.LatestVersion
			c.mu.Unlock()
			return p.LatestVersion, nil
		}
	}
	return "", fmt.Errorf("%s: list API versions: the tenant lists no lp version", c.prefix())
}
