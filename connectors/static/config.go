package static

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Type is the connector type name in the config file.
const Type = "static"

// DefaultPageSize is the number of people per emitted page.
const DefaultPageSize = 500

// maxPageSize keeps one page a modest amount of memory.
const maxPageSize = 100_000

func init() {
	connectors.Register(Type, func() connectors.Config { return &Config{} })
}

// Config is the static connector's settings block.
type Config struct {
	Path     string `yaml:"path"`
	Format   string `yaml:"format"`    // csv or yaml; empty: from the extension
	PageSize int    `yaml:"page_size"` // 0: DefaultPageSize
}

// Validate checks the settings without reading the file.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.Path) == "" {
		return fmt.Errorf("path: is required (a CSV or YAML file of people)")
	}
	if _, err := c.format(); err != nil {
		return err
	}
	if c.PageSize < 0 || c.PageSize > maxPageSize {
		return fmt.Errorf("page_size: %d: must be from 1 to %d (0 or unset: %d)", c.PageSize, maxPageSize, DefaultPageSize)
	}
	return nil
}

func (c *Config) format() (string, error) {
	switch f := strings.ToLower(c.Format); f {
	case "csv", "yaml":
		return f, nil
	case "":
	default:
		return "", fmt.Errorf("format: %q must be csv or yaml", c.Format)
	}
	switch strings.ToLower(filepath.Ext(c.Path)) {
	case ".csv":
		return "csv", nil
	case ".yaml", ".yml":
		return "yaml", nil
	}
	return "", fmt.Errorf("format: cannot tell from the name %q; set format: csv or yaml", c.Path)
}

// Open builds the connector. It does not read the file: Check does.
func (c *Config) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	format, _ := c.format()
	path := c.Path
	if !filepath.IsAbs(path) && opts.BaseDir != "" {
		path = filepath.Join(opts.BaseDir, path)
	}
	size := c.PageSize
	if size == 0 {
		size = DefaultPageSize
	}
	return &Connector{name: opts.Name, path: path, format: format, pageSize: size}, nil
}
