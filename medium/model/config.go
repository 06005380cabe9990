package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Load reads a configuration file and returns its Model: a .cfg file is
// read as a wmediumd configuration, .yaml or .yml as hwsim-medium's own
// format. Errors name the file, the line and the key.
func Load(path string) (*Model, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	m, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadConfig reads a configuration file (see Load) into a Config.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".cfg":
		return ParseWmediumd(path, data)
	case ".yaml", ".yml":
		return ParseYAML(path, data)
	default:
		return Config{}, fmt.Errorf("%s: unknown configuration format %q: want .yaml/.yml (hwsim-medium) or .cfg (wmediumd)", path, ext)
	}
}
